//! `aws.saml_provider`: create or update the IAM SAML provider from the app's federation
//! metadata (read from Entra when the step runs), tagging an adopted one.

use connect_sso_planner::Action;
use connect_sso_planner::payload::ProviderChange;

use super::{Io, missing};
use crate::Error;
use crate::observe::Handles;

pub(super) async fn execute(
    io: &Io<'_>,
    h: &Handles,
    action: Action,
    p: &ProviderChange,
) -> Result<(), Error> {
    let metadata = if io.spec.identity_center.is_some() {
        // Brokered: IAM trusts the Identity Center application, not Entra.
        h.ic.application_metadata_xml
            .clone()
            .ok_or_else(|| missing("the Identity Center application's metadata"))?
    } else {
        let app = h.app().ok_or_else(|| missing("the application"))?;
        io.graph.federation_metadata(&app.app.app_id).await?
    };
    if action == Action::Create {
        io.aws
            .create_saml_provider(&p.name, &metadata, &io.created_tag())
            .await?;
        return Ok(());
    }
    io.aws.update_saml_provider(&p.arn, &metadata).await?;
    if action == Action::Adopt {
        io.aws.tag_saml_provider(&p.arn, &io.adopted_tag()).await?;
    }
    Ok(())
}

pub(super) async fn read_back(io: &Io<'_>, h: &mut Handles) -> Result<(), Error> {
    h.provider = io
        .aws
        .get_saml_provider(&io.spec.derived().provider_arn)
        .await?;
    Ok(())
}
