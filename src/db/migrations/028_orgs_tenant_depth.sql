-- The shallowest organization of each tenant (its root: a provincial company, or the tree's
-- root) found by index: tenant_root_of, and the tenant roots that tell whether a subtree
-- spans tenants (tenant_of_subtree), read one index entry per tenant instead of the whole
-- tree (5.2 million organizations nationally).
CREATE INDEX orgs_tenant_depth ON orgs(tenant_id, depth, path);
