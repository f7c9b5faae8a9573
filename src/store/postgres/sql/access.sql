-- Who may see and do what, at an instant: the facts every API function
-- checks (R-BEY-10). Each takes the instant as an argument, and the API
-- functions pass the server's own (`now_ms()`), never one a client sent.

SET LOCAL ROLE latchkey_owner;

-- Whether `p_user` is a member of `p_vault` at `p_at`: a stored member, or
-- the requester of an approved time-bound join whose window contains `p_at`
-- (R-REQ-12).
CREATE FUNCTION latchkey.is_member(p_user bigint, p_vault bigint, p_at bigint) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM latchkey.vault_members m
                   WHERE m.vault_id = p_vault AND m.user_id = p_user)
        OR EXISTS (SELECT 1 FROM latchkey.requests r
                   WHERE r.requester_id = p_user AND r.vault_id = p_vault AND r.joins
                     AND r.status = 'approved'
                     AND r.grant_start_ms <= p_at AND p_at < r.grant_end_ms)
$$;

-- Whether `p_user` approves for `p_vault`.
CREATE FUNCTION latchkey.is_approver(p_user bigint, p_vault bigint) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM latchkey.vault_approvers a
                   WHERE a.vault_id = p_vault AND a.user_id = p_user)
$$;

RESET ROLE;
