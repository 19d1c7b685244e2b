//! Entra's OAuth errors, with the AADSTS codes and texts the real service writes. The HTTP layer
//! adds `timestamp`, `trace_id` and `correlation_id`.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("AADSTS{code}: {description}")]
pub struct EntraError {
    pub status: u16,
    pub error: &'static str,
    pub code: u32,
    pub description: String,
    pub suberror: Option<&'static str>,
    /// Why, in the sandbox's terms (which user, which state): the journal keeps it; the wire
    /// answer is Entra's.
    pub explanation: Option<String>,
}

fn e(status: u16, error: &'static str, code: u32, description: impl Into<String>) -> EntraError {
    EntraError {
        status,
        error,
        code,
        description: description.into(),
        suberror: None,
        explanation: None,
    }
}

impl EntraError {
    /// One of the refusals a fault can make the token endpoint answer, in Entra's words.
    pub fn injected(code: u32, client: &str) -> Self {
        let mut x = match code {
            65001 => {
                let mut x = e(400, "invalid_grant", 65001, format!("The user or administrator has not consented to use the application with ID '{client}'. Send an interactive authorization request for this user and resource."));
                x.suberror = Some("consent_required");
                x
            }
            50076 => Self::mfa_required("the resource"),
            50079 => Self::mfa_registration_required("the resource"),
            50173 => e(400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password."),
            700082 => e(400, "invalid_grant", 700082, "The refresh token has expired due to inactivity. The token was issued on a date and was inactive for 90 days."),
            _ => e(429, "temporarily_unavailable", 90055, "The request was throttled. Retry after the time in the Retry-After header."),
        };
        x.explanation = Some(format!(
            "A fault injected on this sandbox answered AADSTS{code} (POST .../faults)."
        ));
        x
    }

    /// An error status a fault makes the token endpoint answer: 429 throttled, else a transient error.
    pub fn transient(status: u16) -> Self {
        let mut x = if status == 429 {
            e(
                429,
                "temporarily_unavailable",
                90055,
                "The request was throttled. Retry after the time in the Retry-After header.",
            )
        } else {
            e(
                status,
                "temporarily_unavailable",
                90033,
                "A transient error has occurred. Please try again.",
            )
        };
        x.explanation = Some(format!(
            "A fault injected on this sandbox answered {status} (POST .../faults)."
        ));
        x
    }

    /// The same error, with what stood behind it.
    pub fn because(mut self, why: impl Into<String>) -> Self {
        self.explanation = Some(why.into());
        self
    }

    /// client_credentials in a tenant where the application has no service principal (it was
    /// never consented there): Entra's 401 `invalid_client`.
    pub fn missing_service_principal(client: &str, tenant: &str) -> Self {
        e(
            401,
            "invalid_client",
            7000229,
            format!("The client application {client} is missing service principal in the tenant {tenant}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119"),
        )
    }

    /// The application is in the tenant but not granted the resource asked for.
    pub fn consent_required(client: &str) -> Self {
        let mut x = e(400, "invalid_grant", 65001, format!("The user or administrator has not consented to use the application with ID '{client}'. Send an interactive authorization request for this user and resource."));
        x.suberror = Some("consent_required");
        x
    }

    pub fn missing(param: &str) -> Self {
        e(
            400,
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{param}'."),
        )
    }
    pub fn tenant_not_found(t: &str) -> Self {
        e(400, "invalid_request", 90002, format!("Tenant '{t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."))
    }
    pub fn tenant_ambiguous(t: &str, n: usize) -> Self {
        e(400, "invalid_request", 90002, format!("Tenant '{t}' not found: the domain belongs to tenants in {n} sandboxes; use the tenant id (GUID) in the authority instead."))
    }
    pub fn unknown_client(client: &str, tenant: &str) -> Self {
        e(400, "unauthorized_client", 700016, format!("Application with identifier '{client}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."))
    }
    pub fn bad_client_secret(client: &str) -> Self {
        e(401, "invalid_client", 7000215, format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client}'."))
    }
    pub fn secret_required() -> Self {
        e(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
    }
    pub fn public_client_with_secret() -> Self {
        e(
            401,
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        )
    }
    pub fn unsupported_grant(g: &str) -> Self {
        e(
            400,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{g}'."),
        )
    }
    pub fn bad_password() -> Self {
        e(
            400,
            "invalid_grant",
            50126,
            "Error validating credentials due to invalid username or password.",
        )
    }
    pub fn user_not_found(tenant: &str) -> Self {
        e(400, "invalid_grant", 50034, format!("The user account {{EUII Hidden}} does not exist in the {tenant} directory. To sign into this application, the account must be added to the directory."))
    }
    /// A user of another tenant signs in to a tenant that has no place for it (no guest, no
    /// GDAP access): AADSTS50020.
    pub fn guest_not_allowed(upn: &str, idp: &str, tenant: &str) -> Self {
        e(400, "invalid_grant", 50020, format!("User account '{upn}' from identity provider '{idp}' does not exist in tenant '{tenant}' and cannot access the application in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Microsoft Entra user account."))
    }
    pub fn mfa_required(resource: &str) -> Self {
        let mut x = e(400, "invalid_grant", 50076, format!("Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{resource}'."));
        x.suberror = Some("basic_action");
        x
    }
    pub fn mfa_registration_required(resource: &str) -> Self {
        let mut x = e(400, "invalid_grant", 50079, format!("Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '{resource}'."));
        x.suberror = Some("basic_action");
        x
    }
    pub fn invalid_resource(resource: &str, tenant: &str) -> Self {
        e(400, "invalid_resource", 500011, format!("The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."))
    }
    pub fn scope_needs_default(scope: &str) -> Self {
        e(400, "invalid_scope", 1002012, format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."))
    }
    pub fn several_resources() -> Self {
        e(400, "invalid_scope", 28000, "Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {scope} is not valid.")
    }
    pub fn invalid_scope(scope: &str) -> Self {
        e(
            400,
            "invalid_scope",
            70011,
            format!("The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."),
        )
    }
    pub fn malformed_grant() -> Self {
        e(
            400,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid.",
        )
    }
    pub fn grant_expired() -> Self {
        e(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
    }
    pub fn code_redeemed() -> Self {
        e(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
    }
    pub fn pkce_mismatch() -> Self {
        e(
            400,
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        )
    }
    pub fn redirect_mismatch(uri: &str, client: &str) -> Self {
        e(400, "invalid_request", 50011, format!("The redirect URI '{uri}' specified in the request does not match the redirect URIs configured for the application '{client}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."))
    }
    pub fn authorization_pending() -> Self {
        e(
            400,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )
    }
    pub fn device_code_expired() -> Self {
        e(
            400,
            "expired_token",
            70020,
            "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
        )
    }
    pub fn authorization_declined() -> Self {
        e(
            400,
            "authorization_declined",
            70000,
            "The request was denied because the user declined the authorization.",
        )
    }
    pub fn unsupported_response_type(t: &str) -> Self {
        e(400, "unsupported_response_type", 900144, format!("The provided value for the input parameter 'response_type' is not allowed for this request. Expected value: 'code'. Received '{t}'."))
    }
    pub fn sign_in_expired() -> Self {
        e(
            400,
            "invalid_request",
            50058,
            "The sign-in session has expired or is unknown. Start the sign-in again from the application.",
        )
    }
    /// Smart lockout (Entra's error table: "IdsLocked - The account is locked because the user
    /// tried to sign in too many times with an incorrect user ID or password").
    pub fn account_locked() -> Self {
        e(
            400,
            "invalid_grant",
            50053,
            "The account is locked because the user tried to sign in too many times with an incorrect user ID or password.",
        )
    }
    /// A refresh token redeemed a second time: refresh tokens here are single-use, and the one
    /// to use is the one returned with the newest token.
    pub fn refresh_token_redeemed() -> Self {
        e(400, "invalid_grant", 70000, "Provided grant is invalid or malformed: this refresh token was already redeemed. Refresh tokens are single-use; redeem the one returned with the newest token.")
    }
    /// Too many sign-ins waiting in the tenant's sandbox (AADSTS90055, TenantThrottlingError).
    pub fn throttled() -> Self {
        e(
            429,
            "temporarily_unavailable",
            90055,
            "There are too many incoming requests. Try again later.",
        )
    }
    pub fn server_error() -> Self {
        e(
            500,
            "server_error",
            50000,
            "There was an error issuing a token or an issue with our sign-in service.",
        )
    }

    /// The database is unreachable for now (AADSTS90033, a transient error).
    pub fn unavailable() -> Self {
        e(
            503,
            "temporarily_unavailable",
            90033,
            "A transient error has occurred. Please try again.",
        )
    }
}

impl From<crate::CoreError> for EntraError {
    fn from(err: crate::CoreError) -> Self {
        tracing::error!(error = %err, "core error in the identity surface");
        match err {
            crate::CoreError::Store(e) if e.is_unavailable() => EntraError::unavailable(),
            _ => EntraError::server_error(),
        }
    }
}

impl From<store::StoreError> for EntraError {
    fn from(err: store::StoreError) -> Self {
        tracing::error!(error = %err, "store error in the identity surface");
        if err.is_unavailable() {
            EntraError::unavailable()
        } else {
            EntraError::server_error()
        }
    }
}
