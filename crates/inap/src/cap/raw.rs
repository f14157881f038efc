//! Helpers below the typed layer: a constructed value kept as raw contents, and (re-exported
//! from the crate's shared BER module, which INAP CS-1 uses too) a bounded BER TLV reader used
//! to screen an argument before the typed decoder sees it.

use rasn::types::{Any, AsnType, Constraints, Identifier, Tag};
use rasn::{Decode, Decoder, Encode, Encoder};

/// A constructed, tagged value whose contents are kept as raw octets (the encoding of the
/// components, without the outer tag and length).
///
/// Used for fields the SCP passes through without interpreting (MAP `LocationInformation`,
/// `SubscriberState`, extension values, ...). The tag always comes from the field that holds it;
/// the value is written back constructed with exactly these contents.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawConstructed(pub Vec<u8>);

impl AsnType for RawConstructed {
    const TAG: Tag = Tag::SEQUENCE;
}

impl Encode for RawConstructed {
    fn encode_with_tag_and_constraints<'b, E: Encoder<'b>>(
        &self,
        encoder: &mut E,
        tag: Tag,
        _constraints: &Constraints,
        _identifier: Identifier,
    ) -> Result<(), E::Error> {
        // An untagged open value writes its octets as they are, so the explicit prefix below
        // becomes the constructed identifier of this field with our contents inside.
        encoder
            .encode_explicit_prefix(tag, &Any::new(self.0.clone()), Identifier::EMPTY)
            .map(drop)
    }
}

impl Decode for RawConstructed {
    fn decode_with_tag_and_constraints<D: Decoder>(
        decoder: &mut D,
        tag: Tag,
        _constraints: &Constraints,
    ) -> Result<Self, D::Error> {
        decoder
            .decode_any(tag)
            .map(|any| Self(any.as_bytes().to_vec()))
    }
}

pub use crate::ber::{push_length, read_tlv, retain_components, Class, Tlv, TlvError};
