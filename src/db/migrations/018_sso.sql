-- Single sign-on (src/sso/): OpenID Connect against the enterprise identity provider and
-- 企业微信 web login. One row of settings (id 1), set with `dangjian sso`; the client secret
-- is sealed like a webhook's (notify/secret.c). A sign-in in flight keeps its state, nonce
-- and PKCE verifier here until the callback consumes it (deleted: a replayed callback finds
-- nothing); rows older than ten minutes are refused and swept.
CREATE TABLE sso_settings (
    id INT_PK,
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT NOT NULL,       -- sealed
    redirect_uri TEXT NOT NULL,        -- this server's public /api/v1/auth/oidc/callback
    claim TEXT NOT NULL DEFAULT 'employee_number', -- the ID token claim holding the emp_no
    create_accounts BIGINT NOT NULL DEFAULT 0,     -- first sign-in creates a member's account
    updated_at BIGINT NOT NULL
);

CREATE TABLE sso_states (
    state_hash TEXT PRIMARY KEY,       -- BLAKE2b of the state sent to the identity provider
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,            -- the PKCE code_verifier
    created_at BIGINT NOT NULL
);

-- how a sign-in was made: 'password' or 'oidc'
ALTER TABLE logins ADD COLUMN method TEXT NOT NULL DEFAULT 'password';

-- 企业微信 (WeCom) OAuth web login: the corp's id, the self-built app's agent id and secret
-- (sealed), where WeCom sends the browser back, and where WeCom is (changed only for tests
-- and for private deployments of WeCom). The userid WeCom answers is the employee number.
CREATE TABLE wecom_settings (
    id INT_PK,
    corp_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    secret TEXT NOT NULL,              -- sealed
    redirect_uri TEXT NOT NULL,        -- this server's public /api/v1/auth/wecom/callback
    api_base TEXT NOT NULL,            -- https://qyapi.weixin.qq.com
    authorize_url TEXT NOT NULL,       -- https://login.work.weixin.qq.com/wwlogin/sso/login
    create_accounts BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);
