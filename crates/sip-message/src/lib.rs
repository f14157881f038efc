//! SIP message model, parser and printer.
