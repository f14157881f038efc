//! rasn types mirroring the Q.773 ASN.1 for components (§4.2, module TCAPMessages) and the
//! dialogue PDUs (§4.2.2, modules DialoguePDUs and UnidialoguePDUs), plus EXTERNAL (X.680 §37.5,
//! encoded per X.690 §8.18), which rasn does not provide.
//!
//! These are the exact wire shapes; the public model in `crate::message` converts to and from
//! them. The message envelope (transaction portion) is read by hand in `crate::codec` so that a
//! broken message can still be classified.

use rasn::prelude::*;

/// OPERATION / ERROR code: `local INTEGER | global OBJECT IDENTIFIER`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice)]
pub enum WireCode {
    Local(i64),
    Global(ObjectIdentifier),
}

/// `Invoke ::= SEQUENCE { invokeID, linkedID [0] IMPLICIT OPTIONAL, opcode, argument OPTIONAL }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
pub struct WireInvoke {
    pub invoke_id: i8,
    #[rasn(tag(context, 0))]
    pub linked_id: Option<i8>,
    pub opcode: WireCode,
    pub parameter: Option<Any>,
}

/// The `result SEQUENCE { opcode, parameter }` of a ReturnResult.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
pub struct WireResult {
    pub opcode: WireCode,
    pub parameter: Any,
}

/// `ReturnResult ::= SEQUENCE { invokeID, result SEQUENCE {...} OPTIONAL }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
pub struct WireReturnResult {
    pub invoke_id: i8,
    pub result: Option<WireResult>,
}

/// `ReturnError ::= SEQUENCE { invokeID, errorCode, parameter OPTIONAL }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
pub struct WireReturnError {
    pub invoke_id: i8,
    pub error_code: WireCode,
    pub parameter: Option<Any>,
}

/// `invokeID CHOICE { derivable InvokeIdType, not-derivable NULL }` of a Reject.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice)]
pub enum WireRejectId {
    Derivable(i8),
    NotDerivable(()),
}

/// `problem CHOICE { generalProblem [0], invokeProblem [1], returnResultProblem [2],
/// returnErrorProblem [3] }`, all IMPLICIT INTEGER.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice)]
pub enum WireProblem {
    #[rasn(tag(context, 0))]
    General(i64),
    #[rasn(tag(context, 1))]
    Invoke(i64),
    #[rasn(tag(context, 2))]
    ReturnResult(i64),
    #[rasn(tag(context, 3))]
    ReturnError(i64),
}

/// `Reject ::= SEQUENCE { invokeID CHOICE, problem CHOICE }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
pub struct WireReject {
    pub invoke_id: WireRejectId,
    pub problem: WireProblem,
}

/// `Component ::= CHOICE { invoke [1], returnResultLast [2], returnError [3], reject [4],
/// returnResultNotLast [7] }`, all IMPLICIT.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice)]
pub enum WireComponent {
    #[rasn(tag(context, 1))]
    Invoke(WireInvoke),
    #[rasn(tag(context, 2))]
    ReturnResultLast(WireReturnResult),
    #[rasn(tag(context, 3))]
    ReturnError(WireReturnError),
    #[rasn(tag(context, 4))]
    Reject(WireReject),
    #[rasn(tag(context, 7))]
    ReturnResultNotLast(WireReturnResult),
}

/// The `encoding` CHOICE of EXTERNAL (X.690 §8.18.1).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice)]
pub enum WireExternalEncoding {
    #[rasn(tag(explicit(context, 0)))]
    SingleAsn1Type(Any),
    #[rasn(tag(context, 1))]
    OctetAligned(OctetString),
    #[rasn(tag(context, 2))]
    Arbitrary(BitString),
}

/// `EXTERNAL ::= [UNIVERSAL 8] IMPLICIT SEQUENCE { direct-reference OBJECT IDENTIFIER OPTIONAL,
/// indirect-reference INTEGER OPTIONAL, data-value-descriptor ObjectDescriptor OPTIONAL,
/// encoding CHOICE {...} }` (X.690 §8.18, 1994 form).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(tag(universal, 8))]
pub struct WireExternal {
    pub direct_reference: Option<ObjectIdentifier>,
    pub indirect_reference: Option<i64>,
    #[rasn(tag(universal, 7))]
    pub data_value_descriptor: Option<OctetString>,
    pub encoding: WireExternalEncoding,
}

/// `AARQ-apdu ::= [APPLICATION 0] IMPLICIT SEQUENCE` (also the shape of `AUDT-apdu`).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(tag(application, 0))]
pub struct WireAarq {
    #[rasn(tag(context, 0))]
    pub protocol_version: Option<BitString>,
    #[rasn(tag(explicit(context, 1)))]
    pub application_context_name: ObjectIdentifier,
    #[rasn(tag(context, 30))]
    pub user_information: Option<Vec<WireExternal>>,
}

/// `Associate-source-diagnostic ::= CHOICE { dialogue-service-user [1], dialogue-service-provider
/// [2] }`, both explicitly tagged INTEGER.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(choice)]
pub enum WireDiagnostic {
    #[rasn(tag(explicit(context, 1)))]
    User(i64),
    #[rasn(tag(explicit(context, 2)))]
    Provider(i64),
}

/// `AARE-apdu ::= [APPLICATION 1] IMPLICIT SEQUENCE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(tag(application, 1))]
pub struct WireAare {
    #[rasn(tag(context, 0))]
    pub protocol_version: Option<BitString>,
    #[rasn(tag(explicit(context, 1)))]
    pub application_context_name: ObjectIdentifier,
    #[rasn(tag(explicit(context, 2)))]
    pub result: i64,
    #[rasn(tag(explicit(context, 3)))]
    pub result_source_diagnostic: WireDiagnostic,
    #[rasn(tag(context, 30))]
    pub user_information: Option<Vec<WireExternal>>,
}

/// `ABRT-apdu ::= [APPLICATION 4] IMPLICIT SEQUENCE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq)]
#[rasn(tag(application, 4))]
pub struct WireAbrt {
    #[rasn(tag(context, 0))]
    pub abort_source: i64,
    #[rasn(tag(context, 30))]
    pub user_information: Option<Vec<WireExternal>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn shapes() {
        let inv = WireComponent::Invoke(WireInvoke {
            invoke_id: 1,
            linked_id: None,
            opcode: WireCode::Local(0),
            parameter: Some(Any::new(vec![0x30, 0x03, 0x80, 0x01, 0x05])),
        });
        let enc = rasn::ber::encode(&inv).unwrap();
        assert_eq!(hex(&enc), "a10b0201010201003003800105");
        let back: WireComponent = rasn::ber::decode(&enc).unwrap();
        assert_eq!(back, inv);
        let ext = WireExternal {
            direct_reference: Some(ObjectIdentifier::new(vec![0, 0, 17, 773, 1, 1, 1]).unwrap()),
            indirect_reference: None,
            data_value_descriptor: None,
            encoding: WireExternalEncoding::SingleAsn1Type(Any::new(vec![0x04, 0x01, 0x00])),
        };
        let enc = rasn::ber::encode(&ext).unwrap();
        assert_eq!(hex(&enc), "280e060700118605010101a003040100");
        let back: WireExternal = rasn::ber::decode(&enc).unwrap();
        assert_eq!(back, ext);
        let aare = WireAare {
            protocol_version: None,
            application_context_name: ObjectIdentifier::new(vec![0, 4, 0, 0, 1, 0, 50, 1]).unwrap(),
            result: 0,
            result_source_diagnostic: WireDiagnostic::User(0),
            user_information: None,
        };
        let enc = rasn::ber::encode(&aare).unwrap();
        let back: WireAare = rasn::ber::decode(&enc).unwrap();
        assert_eq!(back, aare);
    }
}
