//! An embedded identity provider that speaks Amazon Cognito's user pool wire protocol, so the
//! app runs and is tested without an AWS account or a network.

pub mod defaults;
