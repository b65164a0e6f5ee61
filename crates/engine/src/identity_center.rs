//! Observe IAM Identity Center for the brokered topology: the instance, the application made
//! in the console, its assignments, the spec's groups in the identity store, the two metadata
//! documents the spec points at, and where the access portal sends a visitor who is not
//! signed in (the only outside view of the identity source the console sets).

use std::collections::BTreeMap;

use connect_sso_aws::Aws;
use connect_sso_aws::identity_center::{Application, Instance};
use connect_sso_planner::observed::{
    Document, IcApplication, IcApplicationMetadata, IcInstance, IcServiceProvider,
    IdentityCenterObserved,
};
use connect_sso_spec::Spec;

use crate::Error;

/// Largest metadata document read (the SAML parser's own limit is the same).
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;

/// Maps a real cloud URL to the one to fetch (the identity for the clouds; the sandbox's
/// mapping to its local URLs).
pub type UrlMap = dyn Fn(&str) -> String + Send + Sync;

/// Identity Center as read.
#[derive(Debug, Clone, Default)]
pub struct IcHandles {
    /// The instance.
    pub instance: Option<Instance>,
    /// Applications with the spec's name.
    pub applications: Vec<Application>,
    /// Principal IDs assigned to the (one) application.
    pub assignments: Vec<String>,
    /// The spec's groups: display name → identity-store group ID.
    pub groups: BTreeMap<String, Option<String>>,
    /// Identity Center's SP metadata.
    pub service_provider: Document<IcServiceProvider>,
    /// Where the portal sends a visitor who is not signed in (query removed).
    pub portal_idp: Option<String>,
    /// The application's metadata, parsed.
    pub application_metadata: Document<IcApplicationMetadata>,
    /// The application's metadata as read (what IAM's SAML provider is given).
    pub application_metadata_xml: Option<String>,
}

impl IcHandles {
    /// What the planner sees.
    pub fn observed(&self) -> IdentityCenterObserved {
        IdentityCenterObserved {
            instance: self.instance.as_ref().map(|i| IcInstance {
                arn: i.arn.clone(),
                identity_store_id: i.identity_store_id.clone(),
            }),
            service_provider: self.service_provider.clone(),
            portal_idp: self.portal_idp.clone(),
            applications: self
                .applications
                .iter()
                .map(|a| IcApplication {
                    arn: a.arn.clone(),
                    name: a.name.clone(),
                    status: a.status.clone(),
                })
                .collect(),
            application_metadata: self.application_metadata.clone(),
            groups: self.groups.clone(),
            assignments: self.assignments.clone(),
        }
    }
}

/// The access portal's URL for an identity store.
pub fn portal_url(identity_store_id: &str) -> String {
    format!("https://{identity_store_id}.awsapps.com/start")
}

/// Read Identity Center (nothing when the spec is not brokered).
pub async fn observe_identity_center(
    ic: &Aws,
    spec: &Spec,
    map: &UrlMap,
) -> Result<IcHandles, Error> {
    let Some(s) = &spec.identity_center else {
        return Ok(IcHandles::default());
    };
    let mut h = IcHandles {
        instance: ic.ic_instance().await?,
        ..IcHandles::default()
    };
    let (sp, app_meta) = tokio::join!(
        read_document(s.sp_metadata.as_deref(), map),
        read_document(s.application_metadata.as_deref(), map),
    );
    h.service_provider = parse_doc(sp, |xml| {
        let m = connect_sso_saml::SpMetadata::parse(xml).map_err(|e| e.to_string())?;
        let acs = m
            .acs
            .first()
            .map(|e| e.location.clone())
            .unwrap_or_default();
        Ok(IcServiceProvider {
            entity_id: m.entity_id,
            acs_url: acs,
        })
    });
    h.application_metadata = parse_doc(app_meta.clone(), |xml| {
        let m = connect_sso_saml::IdpMetadata::parse(xml).map_err(|e| e.to_string())?;
        Ok(IcApplicationMetadata {
            entity_id: m.entity_id,
            certificate_thumbprints: m
                .signing_certificates
                .iter()
                .map(|c| c.thumbprint_sha1())
                .collect(),
        })
    });
    h.application_metadata_xml = app_meta.ok().flatten();
    let Some(instance) = h.instance.clone() else {
        return Ok(h);
    };
    h.portal_idp = portal_idp(&portal_url(&instance.identity_store_id), map)
        .await
        .map(|loc| {
            // The sandbox sends browsers to its local Entra: name it by its real URL.
            let entra = connect_sso_planner::identity_center::entra_saml_url(&spec.entra.tenant_id);
            if loc == map(&entra) { entra } else { loc }
        });
    h.applications = ic
        .ic_applications_named(&instance.arn, &s.application_name)
        .await?;
    if let [app] = h.applications.as_slice() {
        h.assignments = ic.ic_application_assignments(&app.arn).await?;
    }
    read_ic_groups(ic, spec, &instance, &mut h).await?;
    Ok(h)
}

/// The spec's groups in the identity store, by display name.
pub async fn read_ic_groups(
    ic: &Aws,
    spec: &Spec,
    instance: &Instance,
    h: &mut IcHandles,
) -> Result<(), Error> {
    h.groups.clear();
    for access in &spec.entra.access {
        if h.groups.contains_key(&access.group) {
            continue;
        }
        let id = ic
            .ic_group_id(&instance.identity_store_id, &access.group)
            .await?;
        h.groups.insert(access.group.clone(), id);
    }
    Ok(())
}

/// A document named by the spec: `Ok(None)` when it names none, `Err` with the reason when it
/// cannot be read.
async fn read_document(source: Option<&str>, map: &UrlMap) -> Result<Option<String>, String> {
    let Some(src) = source else {
        return Ok(None);
    };
    if src.starts_with("https://") || src.starts_with("http://") {
        return fetch(&map(src)).await.map(Some);
    }
    let meta = std::fs::metadata(src).map_err(|e| format!("{src}: {e}"))?;
    if meta.len() > MAX_METADATA_BYTES as u64 {
        return Err(format!(
            "{src} has {} bytes, more than metadata ever has ({MAX_METADATA_BYTES})",
            meta.len()
        ));
    }
    std::fs::read_to_string(src)
        .map(Some)
        .map_err(|e| format!("{src}: {e}"))
}

/// GET a document, refusing more than [`MAX_METADATA_BYTES`] (read while streaming).
async fn fetch(url: &str) -> Result<String, String> {
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let mut resp = http
        .get(url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("{url} answered HTTP {}", resp.status().as_u16()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| format!("{url}: {e}"))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_METADATA_BYTES {
            return Err(format!("{url} sent more than {MAX_METADATA_BYTES} bytes"));
        }
    }
    String::from_utf8(body).map_err(|_| format!("{url} did not send UTF-8 text"))
}

fn parse_doc<T>(
    read: Result<Option<String>, String>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Document<T> {
    match read {
        Ok(None) => Document::Absent,
        Err(reason) => Document::Unreadable { reason },
        Ok(Some(xml)) => match parse(&xml) {
            Ok(value) => Document::Read { value },
            Err(reason) => Document::Unreadable { reason },
        },
    }
}

/// Where the portal redirects a visitor without a session (`None`: it does not redirect, or
/// cannot be reached).
async fn portal_idp(portal: &str, map: &UrlMap) -> Option<String> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .ok()?;
    let resp = http.get(map(portal)).send().await.ok()?;
    if !resp.status().is_redirection() {
        return None;
    }
    let loc = resp
        .headers()
        .get(reqwest::header::LOCATION)?
        .to_str()
        .ok()?;
    Some(loc.split('?').next().unwrap_or(loc).to_string())
}

/// The app's provisioning jobs, when the spec asks for Entra's provisioning.
pub async fn read_provisioning_jobs(
    graph: &connect_sso_entra::Graph,
    spec: &Spec,
    h: &crate::observe::Handles,
) -> Result<Vec<connect_sso_entra::model::SynchronizationJob>, Error> {
    let wanted = spec
        .identity_center
        .as_ref()
        .is_some_and(|ic| ic.provisioning.is_some());
    match (wanted, h.sp()) {
        (true, Some(sp)) => Ok(graph.synchronization_jobs(&sp.id).await?),
        _ => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(u: &str) -> String {
        u.to_string()
    }

    #[tokio::test]
    async fn a_metadata_file_over_the_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("huge.xml");
        std::fs::write(&path, vec![b' '; MAX_METADATA_BYTES + 1]).expect("write");
        let got = read_document(path.to_str(), &same).await;
        let reason = got.expect_err("refused");
        assert!(reason.contains("more than metadata ever has"), "{reason}");
    }

    #[tokio::test]
    async fn a_missing_file_or_dead_url_is_unreadable_with_the_reason() {
        let doc = parse_doc(
            read_document(Some("/nonexistent/ic.xml"), &same).await,
            |_| Ok(()),
        );
        assert!(
            matches!(&doc, Document::Unreadable { reason } if reason.contains("/nonexistent/ic.xml")),
            "{doc:?}"
        );
        let doc = parse_doc(
            read_document(Some("http://127.0.0.1:9/m.xml"), &same).await,
            |_| Ok(()),
        );
        assert!(matches!(doc, Document::Unreadable { .. }), "{doc:?}");
    }

    #[test]
    fn metadata_that_does_not_parse_is_unreadable_not_an_error() {
        let doc = parse_doc(Ok(Some("<not-metadata/>".into())), |xml| {
            connect_sso_saml::SpMetadata::parse(xml)
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        assert!(matches!(doc, Document::Unreadable { .. }), "{doc:?}");
        assert_eq!(parse_doc(Ok(None), |_| Ok(())), Document::<()>::Absent);
    }
}
