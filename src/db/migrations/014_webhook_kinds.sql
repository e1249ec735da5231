-- Messenger robots: a webhook speaks one provider's wire format (src/notify/). 'generic' is
-- our own signed JSON as before; 'wecom' (企业微信 group robot), 'dingtalk' (钉钉 custom
-- robot) and 'feishu' (飞书 custom bot) get the provider's message body, signature and reply
-- check. A robot's delivery payload is the rendered provider body of one message part (a long
-- notice becomes several deliveries); the signature is added when it is sent.
ALTER TABLE plan_webhooks ADD COLUMN kind TEXT NOT NULL DEFAULT 'generic';
-- which message of a notice split to fit the provider's size limit (1, 2, ...)
-- a robot's own smaller message size in bytes (0: the provider's limit), for gateways in between
ALTER TABLE plan_webhooks ADD COLUMN max_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE plan_deliveries ADD COLUMN part BIGINT NOT NULL DEFAULT 1;
