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

-- The folders above `p_entry`, nearest first (depth 1 is its folder),
-- deleted or not. A bounded depth keeps a damaged (cyclic) tree from looping.
CREATE FUNCTION latchkey.entry_ancestors(p_entry bigint)
RETURNS TABLE (id bigint, depth integer)
LANGUAGE sql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    WITH RECURSIVE up(id, depth) AS (
        SELECT e.parent_id, 1 FROM latchkey.entries e WHERE e.id = p_entry
        UNION ALL
        SELECT e.parent_id, up.depth + 1 FROM latchkey.entries e JOIN up ON e.id = up.id
        WHERE up.depth < 1000
    )
    SELECT up.id, up.depth FROM up WHERE up.id IS NOT NULL ORDER BY up.depth
$$;

-- Whether the workspace lets non-administrators reveal and copy passwords
-- (R-REQ-8): the service's settings JSON under the key "settings"; on by
-- default, as `WorkspaceSettings::default()`.
CREATE FUNCTION latchkey.allow_reveal_password() RETURNS boolean
LANGUAGE sql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT (s.value::jsonb ->> 'allow_reveal_password')::boolean
                     FROM latchkey.settings s WHERE s.key = 'settings'), true)
$$;

-- Whether an approved request counts at `p_at`: running, or waiting for a
-- first use that would start it; never a permanent one, whose standing
-- permission is what gives its access (R-REQ-10). `Request::phase`:
-- (start, no end, no claim-by) runs from its start; (start, end) runs in
-- [start, end) — the end is exclusive; otherwise a claim-by instant makes it
-- claimable before that instant (R-BEY-2); anything else has lapsed.
CREATE FUNCTION latchkey.grant_in_force(r latchkey.requests, p_at bigint) RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT r.status = 'approved'
       -- Not permanent: the terms in force (authorized once approved, else
       -- requested) have a duration or a time frame.
       AND CASE WHEN r.authorized_set_id IS NOT NULL
                THEN r.authorized_duration_mins IS NOT NULL OR r.authorized_start_ms IS NOT NULL
                     OR r.authorized_end_ms IS NOT NULL
                ELSE r.requested_duration_mins IS NOT NULL OR r.requested_start_ms IS NOT NULL
                     OR r.requested_end_ms IS NOT NULL
           END
       AND CASE
           WHEN r.grant_start_ms IS NOT NULL AND r.grant_end_ms IS NULL AND r.claim_by_ms IS NULL
               THEN p_at >= r.grant_start_ms
           WHEN r.grant_start_ms IS NOT NULL AND r.grant_end_ms IS NOT NULL
               THEN r.grant_start_ms <= p_at AND p_at < r.grant_end_ms
           WHEN r.claim_by_ms IS NOT NULL
               THEN p_at < r.claim_by_ms
           ELSE false
       END
$$;

-- What `p_user`'s standing sets and grants give on `p_entry` at `p_at`,
-- before the workspace's reveal policy, and without asking whether the user
-- reaches the vault (`AccessFacts` as `Ops::access_facts` gathers it):
-- * standing sets in the entry's vault on its top, on the entry itself or on
--   a folder above it, in force (given by an administrator, or approved at
--   or before `p_at`);
-- * approved grants covering the entry — its own request's and those of
--   items that depend on it (`request_entries`), and folder and vault
--   requests (joins included) of its vault whose target is the entry, a
--   folder above it or the vault (R-REQ-11) — in force at `p_at`, each with
--   its set in force (authorized, else requested; a deleted set gives
--   nothing).
CREATE FUNCTION latchkey.entry_granted_bits(p_user bigint, p_entry bigint, p_at bigint)
RETURNS integer
LANGUAGE sql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    WITH e AS (SELECT id, vault_id FROM latchkey.entries WHERE id = p_entry),
    folders AS (SELECT a.id FROM latchkey.entry_ancestors(p_entry) a),
    standing AS (
        SELECT ps.permission_bits AS bits
        FROM latchkey.standing_permissions sp
        JOIN latchkey.permission_sets ps ON ps.id = sp.permission_set_id
        JOIN e ON sp.vault_id = e.vault_id
        WHERE sp.user_id = p_user
          AND (sp.folder_id IS NULL OR sp.folder_id = p_entry
               OR sp.folder_id IN (SELECT id FROM folders))
          AND (sp.approved_at_ms IS NULL OR sp.approved_at_ms <= p_at)
    ),
    -- The requests that may cover the entry, found from the entry (its own
    -- and its dependents' requests list it) and from the user's folder and
    -- vault requests in its vault, each through its index: never by
    -- walking all of the user's requests, which may be many.
    covering AS MATERIALIZED (
        SELECT re.request_id AS id FROM latchkey.request_entries re
        WHERE re.entry_id = p_entry
        UNION
        SELECT s.id FROM latchkey.requests s
        WHERE s.requester_id = p_user AND s.vault_id = (SELECT vault_id FROM e)
          AND s.status = 'approved' AND s.target <> 'entry'
          AND (s.target = 'vault' OR s.entry_id = p_entry
               OR s.entry_id IN (SELECT id FROM folders))
    ),
    grants AS (
        SELECT ps.permission_bits AS bits
        FROM covering c
        JOIN latchkey.requests r ON r.id = c.id
        JOIN latchkey.permission_sets ps
          ON ps.id = coalesce(r.authorized_set_id, r.requested_set_id)
         AND ps.deleted_at_ms IS NULL
        WHERE r.requester_id = p_user AND r.status = 'approved'
          AND latchkey.grant_in_force(r, p_at)
    )
    SELECT coalesce(bit_or(bits), 0) & 63
    FROM (SELECT bits FROM standing UNION ALL SELECT bits FROM grants) AS held
$$;

-- `p_user`'s effective permissions on `p_entry` at `p_at`, as bits of
-- `domain::permission::Permission` (View 1, View password 2, Connect 4,
-- Edit 8, Add 16, Delete 32), exactly as `AccessFacts::effective_permissions`
-- decides them, for someone who reaches the vault (`Ops::reaches_vault`):
-- nothing for an unknown, disabled or removed user or a deleted entry;
-- everything for an administrator; nothing for a non-member of the entry's
-- vault at `p_at` (R-REQ-12); else standing ∪ grants in force
-- (`entry_granted_bits`), without View password while the workspace does not
-- let non-administrators reveal passwords (R-REQ-8).
CREATE FUNCTION latchkey.entry_permission_bits(p_user bigint, p_entry bigint, p_at bigint)
RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    u users;
    e entries;
    bits integer;
BEGIN
    SELECT * INTO u FROM users WHERE id = p_user;
    IF NOT FOUND OR NOT u.is_active OR u.removed_at_ms IS NOT NULL THEN
        RETURN 0;
    END IF;
    SELECT * INTO e FROM entries WHERE id = p_entry AND deleted_at_ms IS NULL;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    IF u.is_admin THEN
        RETURN 63;
    END IF;
    IF NOT is_member(p_user, e.vault_id, p_at) THEN
        RETURN 0;
    END IF;
    bits := entry_granted_bits(p_user, p_entry, p_at);
    IF NOT allow_reveal_password() THEN
        bits := bits & ~2;
    END IF;
    RETURN bits;
END
$$;

-- The permissions `p_user` holds at the top of `p_vault` at `p_at`
-- (`root_permissions` in service/entries.rs): everything for an
-- administrator; for a member, what their standing sets on the whole vault
-- give; nothing for anyone else.
CREATE FUNCTION latchkey.vault_top_bits(p_user bigint, p_vault bigint, p_at bigint)
RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    u users;
BEGIN
    SELECT * INTO u FROM users WHERE id = p_user;
    IF NOT FOUND OR NOT u.is_active OR u.removed_at_ms IS NOT NULL THEN
        RETURN 0;
    END IF;
    IF u.is_admin THEN
        RETURN 63;
    END IF;
    IF NOT is_member(p_user, p_vault, p_at) THEN
        RETURN 0;
    END IF;
    RETURN (SELECT coalesce(bit_or(ps.permission_bits), 0) & 63
            FROM standing_permissions sp
            JOIN permission_sets ps ON ps.id = sp.permission_set_id
            WHERE sp.user_id = p_user AND sp.vault_id = p_vault AND sp.folder_id IS NULL
              AND (sp.approved_at_ms IS NULL OR sp.approved_at_ms <= p_at));
END
$$;

-- Whether `p_user` may read the tree of `p_vault` at `p_at`: an active
-- administrator, a member at that instant (R-REQ-1: members see the whole
-- tree), or one of its approvers (they weigh what a request covers).
CREATE FUNCTION latchkey.may_read_vault(p_user bigint, p_vault bigint, p_at bigint)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM latchkey.users u
                   WHERE u.id = p_user AND u.is_active AND u.removed_at_ms IS NULL)
       AND (EXISTS (SELECT 1 FROM latchkey.users u WHERE u.id = p_user AND u.is_admin)
            OR latchkey.is_member(p_user, p_vault, p_at)
            OR latchkey.is_approver(p_user, p_vault))
$$;

RESET ROLE;
