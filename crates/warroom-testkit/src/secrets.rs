//! A corpus of secrets in the shapes they reach an incident in: provider
//! keys and tokens, JWTs, PEM blocks, passwords in URLs, and `key = value`,
//! `KEY: 'value'` and JSON assignments, some behind a second name. Tests push
//! each line through every input path and check every output byte for the
//! secret. The values are made up; none is a real credential.

/// One line of the corpus.
pub struct SecretLine {
    pub kind: &'static str,
    /// The line as an operator or a log would hand it over.
    pub line: &'static str,
    /// What must not survive anywhere.
    pub secret: &'static str,
}

const fn s(kind: &'static str, line: &'static str, secret: &'static str) -> SecretLine {
    SecretLine { kind, line, secret }
}

pub const CORPUS: &[SecretLine] = &[
    s(
        "aws-access-key-id",
        "using key AKIAZ7Q3VXKWE4TN5B2P for s3",
        "AKIAZ7Q3VXKWE4TN5B2P",
    ),
    s(
        "aws-secret-key",
        "aws_secret_access_key = Zk3JwPq9Lr2Xv8Yt5Ub1Nc7Md4Ke6Hf0Ga3Sb9Tc",
        "Zk3JwPq9Lr2Xv8Yt5Ub1Nc7Md4Ke6Hf0Ga3Sb9Tc",
    ),
    s(
        "aws-secret-key-labelled",
        "aws-secret-key: aws_secret_access_key = Qm8NxLp2Rv5Tw9Yz3Ab6Cd1Ef4Gh7Ij0Kl2Mn5Op",
        "Qm8NxLp2Rv5Tw9Yz3Ab6Cd1Ef4Gh7Ij0Kl2Mn5Op",
    ),
    s(
        "aws-secret-key-in-words",
        "use AKIAIOSFODNN7EXAMPLE with secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    s(
        "aws-key-pair",
        "creds AKIAZ7Q3VXKWE4TN5B2P:Pq9Lr2Xv8Yt5Ub1Nc7Md4Ke6Hf0Ga3Sb9Tc/Zk3J",
        "Pq9Lr2Xv8Yt5Ub1Nc7Md4Ke6Hf0Ga3Sb9Tc/Zk3J",
    ),
    s(
        "password-in-words",
        "the staging password is Tr0ub4dor-77 for now",
        "Tr0ub4dor-77",
    ),
    s(
        "gcp-api-key",
        "maps failing with key AIzaSyD3f9Kq2Lm8Np4Rs7Tu1Vw5Xy0Za6Bc3De9 today",
        "AIzaSyD3f9Kq2Lm8Np4Rs7Tu1Vw5Xy0Za6Bc3De9",
    ),
    s(
        "gcp-service-account",
        r#"{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCgcpRivKeyBody\n-----END PRIVATE KEY-----\n", "client_email": "a@b.iam.gserviceaccount.com"}"#,
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCgcpRivKeyBody",
    ),
    s(
        "gcp-oauth-client-secret",
        "oauth client GOCSPX-Hq3Lz8Wm2Np5Rt9Vx1Yb4Cd7",
        "GOCSPX-Hq3Lz8Wm2Np5Rt9Vx1Yb4Cd7",
    ),
    s(
        "azure-storage-connection",
        "DefaultEndpointsProtocol=https;AccountName=prodlogs;AccountKey=q8Vz3mXnB5cR2tY7uI1oP4aS6dF9gH0jK3lZ5xC8vB2nM4qW7eR1tY3uI6oP9aS2dF5gH8jK0lZ==;EndpointSuffix=core.windows.net",
        "q8Vz3mXnB5cR2tY7uI1oP4aS6dF9gH0jK3lZ5xC8vB2nM4qW7eR1tY3uI6oP9aS2dF5gH8jK0lZ==",
    ),
    s(
        "azure-client-secret",
        "app registration secret value Xy78Q~Kd3Lm9Np2Rs6Tu0Vw4Xy8Za1Bc5De7Fg9H rotated",
        "Xy78Q~Kd3Lm9Np2Rs6Tu0Vw4Xy8Za1Bc5De7Fg9H",
    ),
    s(
        "azure-sas",
        "GET https://prod.blob.core.windows.net/logs?sv=2022-11-02&ss=b&sig=Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv%2BWx%3D",
        "Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv%2BWx%3D",
    ),
    s(
        "github-pat",
        "clone with ghp_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3sXY",
        "ghp_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3sXY",
    ),
    s(
        "github-fine-grained",
        "GH=github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF",
    ),
    s(
        "gitlab-pat",
        "runner uses glpat-Zq8Xw3Lm5Nr7Tv9Yb2Cd4F for the mirror",
        "glpat-Zq8Xw3Lm5Nr7Tv9Yb2Cd4F",
    ),
    s(
        "slack-bot-token",
        "bot xoxb-2468013579-1357924680-Qw3Er5Ty7Ui9Op1As3Df5Gh",
        "xoxb-2468013579-1357924680-Qw3Er5Ty7Ui9Op1As3Df5Gh",
    ),
    s(
        "slack-webhook",
        "alerts go to https://hooks.slack.com/services/T0ABCDEF1/B0GHIJKL2/Zx9Cv8Bn7Mm6Lk5Jh4Gf3Ds2",
        "T0ABCDEF1/B0GHIJKL2/Zx9Cv8Bn7Mm6Lk5Jh4Gf3Ds2",
    ),
    s(
        "stripe-secret-key",
        "charge failed with sk_live_51Hq8Zr2Lm5Nx7Tv9Yb3Cd6Fg1",
        "sk_live_51Hq8Zr2Lm5Nx7Tv9Yb3Cd6Fg1",
    ),
    s(
        "stripe-webhook-secret",
        "signing with whsec_Pq7Rs9Tu1Vw3Xy5Za7Bc9De1Fg",
        "whsec_Pq7Rs9Tu1Vw3Xy5Za7Bc9De1Fg",
    ),
    s(
        "openai-key",
        "OPENAI key sk-proj-Lk9Jh7Gf5Ds3Aq1Zw2Xe4Cr6Vt8By0Nu in env",
        "sk-proj-Lk9Jh7Gf5Ds3Aq1Zw2Xe4Cr6Vt8By0Nu",
    ),
    s(
        "anthropic-key",
        "claude failed: sk-ant-api03-Mn8Bv6Cx4Za2Sd0Fg9Hj7Kl5Qw3Er1Ty-AAAA",
        "sk-ant-api03-Mn8Bv6Cx4Za2Sd0Fg9Hj7Kl5Qw3Er1Ty-AAAA",
    ),
    s(
        "jwt",
        "session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3YXJyb29tLXRlc3QifQ.Qm9Lp8Kx7Wz3Vr5Ty1Un2Io4Pa6Sd8Fg0Hj",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3YXJyb29tLXRlc3QifQ.Qm9Lp8Kx7Wz3Vr5Ty1Un2Io4Pa6Sd8Fg0Hj",
    ),
    s(
        "pem-private-key",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAwarroomPemBodyLine1\nZmFrZWtleWJvZHlsaW5lMg\n-----END RSA PRIVATE KEY-----",
        "MIIEowIBAAKCAQEAwarroomPemBodyLine1",
    ),
    s(
        "url-password",
        "connect postgres://auth:Pg5ecr3tPw0rd@db.internal:5432/users refused",
        "Pg5ecr3tPw0rd",
    ),
    s(
        "env-quoted-with-spaces",
        "DB_PASSWORD: 'Tr0ub4dor&3 horse staple'",
        "Tr0ub4dor&3 horse staple",
    ),
    s(
        "json-passwd",
        r#"{"user": "svc", "passwd": "c0rrect h0rse;b4ttery"}"#,
        "c0rrect h0rse;b4ttery",
    ),
    s(
        "client-secret-labelled",
        "oauth: client_secret: 'q9W8e7R6t5Y4u3I2'",
        "q9W8e7R6t5Y4u3I2",
    ),
    s(
        "key-equals-value",
        "api_key = 9f8e7d6c5b4a3210fedcba98",
        "9f8e7d6c5b4a3210fedcba98",
    ),
    s(
        "bearer-header",
        "curl -H 'Authorization: Bearer Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0' https://api",
        "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0",
    ),
    s(
        "basic-header",
        "Authorization: Basic c3ZjOmh1bnRlcjJodW50ZXIySHVudGVy",
        "c3ZjOmh1bnRlcjJodW50ZXIySHVudGVy",
    ),
    s(
        "npm-token",
        "//registry.npmjs.org/:_authToken=npm_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2",
        "npm_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2",
    ),
];
