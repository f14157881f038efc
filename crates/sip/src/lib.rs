//! SIP transactions and dialogs.
