-- Workspace metadata and settings, users, vaults and their members and
-- approvers, permission sets and standing permissions (R-BEY-10).
--
-- Each API function checks, at the server's instant and with the caller as
-- `session_user`, the rule the service checks before the same store call
-- (its comment says which), and locks the rows it decides on so that two
-- concurrent callers are serialised: the first writer wins, the second sees
-- its result. A refusal's message is the service's where it has one.

SET LOCAL ROLE latchkey_owner;

-- Vault and permission set names are unique in any case (as the service
-- compares them): the index settles two administrators creating "Prod" and
-- "prod" at once.
CREATE UNIQUE INDEX vaults_name_any_case ON latchkey.vaults (lower(name));
CREATE UNIQUE INDEX permission_sets_name_any_case ON latchkey.permission_sets (lower(name));
CREATE INDEX vault_members_by_origin ON latchkey.vault_members (origin_request_id)
    WHERE origin_request_id IS NOT NULL;

-- Internal helpers.

-- Whether the row version whose xmin is `p_xmin` was written by the
-- current transaction (or one of its subtransactions). A row this
-- transaction sees whose writer is still in progress can only be its own.
CREATE FUNCTION latchkey.written_here(p_xmin xid) RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    current_full bigint := pg_current_xact_id_if_assigned()::text::bigint;
    full_xid bigint;
BEGIN
    IF current_full IS NULL OR p_xmin IS NULL THEN
        RETURN false;  -- this transaction has written nothing
    END IF;
    full_xid := ((current_full >> 32) << 32) | p_xmin::text::bigint;
    IF full_xid > current_full THEN
        full_xid := full_xid - 4294967296;  -- written before the last wraparound
    END IF;
    IF full_xid < 3 THEN
        RETURN false;
    END IF;
    RETURN coalesce(pg_xact_status(full_xid::text::xid8) = 'in progress', false);
END
$$;

-- Whether the effective terms of a request are permanent access (R-REQ-10):
-- the authorized terms when an approver set them, else the requested ones,
-- with neither a duration nor a time frame (`Request::is_permanent`).
CREATE FUNCTION latchkey.is_permanent(r latchkey.requests) RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN r.authorized_set_id IS NOT NULL
                THEN r.authorized_duration_mins IS NULL AND r.authorized_start_ms IS NULL
                     AND r.authorized_end_ms IS NULL
                ELSE r.requested_duration_mins IS NULL AND r.requested_start_ms IS NULL
                     AND r.requested_end_ms IS NULL END
$$;

-- The request an approver approved in this very transaction, locked: what
-- lets them store what its approval gives (a standing permission, a
-- membership) though they are not an administrator. Refused unless it is
-- approved, was written by this transaction, is permanent, and the caller
-- may decide it (its decider, or an administrator or approver of its vault
-- who is not its requester).
CREATE FUNCTION latchkey.request_approved_here(me latchkey.users, p_request bigint)
RETURNS latchkey.requests
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    r requests;
    r_xmin xid;
BEGIN
    SELECT q.* INTO r FROM requests q WHERE q.id = p_request FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'request % does not exist', p_request USING ERRCODE = 'no_data_found';
    END IF;
    SELECT q.xmin INTO r_xmin FROM requests q WHERE q.id = p_request;
    IF r.status <> 'approved' OR NOT written_here(r_xmin) THEN
        RAISE EXCEPTION 'only the approval of this request, in the same step, gives what it asks for'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF r.requester_id = me.id
       OR NOT (r.decided_by = me.id OR me.is_admin OR is_approver(me.id, r.vault_id)) THEN
        RAISE EXCEPTION 'you cannot decide this request'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT is_permanent(r) THEN
        RAISE EXCEPTION 'only an approved permanent request gives a standing permission or membership'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN r;
END
$$;

-- Whether the caller ended `p_request` (revoked or released it) in this
-- very transaction: what lets a non-administrator remove what its approval
-- gave (`end_standing_of`).
CREATE FUNCTION latchkey.request_ended_here(me latchkey.users, p_request bigint)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    r requests;
    r_xmin xid;
BEGIN
    IF p_request IS NULL THEN
        RETURN false;
    END IF;
    SELECT q.* INTO r FROM requests q WHERE q.id = p_request FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    SELECT q.xmin INTO r_xmin FROM requests q WHERE q.id = p_request;
    RETURN r.status IN ('revoked', 'released') AND r.ended_by = me.id AND written_here(r_xmin);
END
$$;

-- Whether the caller may see a vault: administrators see all; others the
-- vaults they are a member of at the server's instant or approve in, those
-- shown to non-members (R-REQ-12), and those their own requests or
-- decisions name (their history keeps the vault's name).
CREATE FUNCTION latchkey.sees_vault(me latchkey.users, v latchkey.vaults) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT me.is_admin OR v.visible_to_non_members
        OR latchkey.is_member(me.id, v.id, latchkey.now_ms())
        OR latchkey.is_approver(me.id, v.id)
        OR EXISTS (SELECT 1 FROM latchkey.requests r
                   WHERE r.vault_id = v.id AND (r.requester_id = me.id OR r.decided_by = me.id))
$$;

-- A vault by id, locked against concurrent changes; or an error.
CREATE FUNCTION latchkey.vault_to_change(p_vault bigint) RETURNS latchkey.vaults
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    v vaults;
BEGIN
    SELECT * INTO v FROM vaults WHERE id = p_vault FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the vault no longer exists' USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v;
END
$$;

-- Refuses a vault name that is empty or taken by another vault (any case).
CREATE FUNCTION latchkey.check_vault_name(p_name text, p_except bigint) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    IF p_name IS NULL OR btrim(p_name) = '' THEN
        RAISE EXCEPTION 'enter a vault name'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'name';
    END IF;
    IF EXISTS (SELECT 1 FROM vaults WHERE lower(name) = lower(btrim(p_name))
               AND id IS DISTINCT FROM p_except) THEN
        RAISE EXCEPTION 'a vault named “%” exists already', btrim(p_name)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'name';
    END IF;
END
$$;

-- Refuses a permission set's name and permissions as the service does
-- (`check_set_form`): a name no other set, deleted or not, has in any case,
-- and at least one permission.
CREATE FUNCTION latchkey.check_set_form(p_name text, p_bits integer, p_except bigint)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    other permission_sets;
BEGIN
    IF p_name IS NULL OR btrim(p_name) = '' THEN
        RAISE EXCEPTION 'enter a name for the permission set'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'name';
    END IF;
    SELECT * INTO other FROM permission_sets
    WHERE lower(name) = lower(btrim(p_name)) AND id IS DISTINCT FROM p_except
    ORDER BY deleted_at_ms IS NOT NULL, id LIMIT 1;
    IF FOUND AND other.deleted_at_ms IS NULL THEN
        RAISE EXCEPTION 'a permission set named “%” exists already', btrim(p_name)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'name';
    ELSIF FOUND THEN
        RAISE EXCEPTION 'a deleted permission set was named “%” and past requests still show it; choose another name', btrim(p_name)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'name';
    END IF;
    IF p_bits IS NULL OR p_bits <= 0 OR p_bits > 63 THEN
        RAISE EXCEPTION 'choose at least one permission'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'permission_set';
    END IF;
END
$$;

-- A permission set that is not deleted, locked (`p_update`: for a change
-- of the set; else against its deletion while it is being given).
CREATE FUNCTION latchkey.live_set(p_set bigint, p_update boolean) RETURNS latchkey.permission_sets
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    s permission_sets;
BEGIN
    IF p_update THEN
        SELECT * INTO s FROM permission_sets WHERE id = p_set FOR UPDATE;
    ELSE
        SELECT * INTO s FROM permission_sets WHERE id = p_set FOR SHARE;
    END IF;
    IF NOT FOUND OR s.deleted_at_ms IS NOT NULL THEN
        RETURN NULL;
    END IF;
    RETURN s;
END
$$;

-- "1 approval", "3 approvals"; "1 person", "3 people".
CREATE FUNCTION latchkey.approvals_phrase(n bigint) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN n = 1 THEN '1 approval' ELSE n || ' approvals' END $$;
CREATE FUNCTION latchkey.people_phrase(n bigint) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN n = 1 THEN '1 person' ELSE n || ' people' END $$;

-- How many different people could approve in `p_vault` without
-- `p_without`: its active approvers and the active administrators
-- (`possible_approvers`).
CREATE FUNCTION latchkey.possible_approvers(p_vault bigint, p_without bigint) RETURNS bigint
LANGUAGE sql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT count(*) FROM latchkey.users u
    WHERE u.is_active AND u.id IS DISTINCT FROM p_without
      AND (u.is_admin OR EXISTS (SELECT 1 FROM latchkey.vault_approvers a
                                 WHERE a.vault_id = p_vault AND a.user_id = u.id))
$$;

-- The workspace's settings as JSON (the defaults' maximum length when none
-- are stored yet).
CREATE FUNCTION latchkey.settings_json() RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT value::jsonb FROM latchkey.settings WHERE key = 'settings'), '{}'::jsonb)
$$;

-- A user an administrator changes, locked after every active
-- administrator's row (always in that order, so that two administrators
-- changing each other wait instead of deadlocking); the caller is checked
-- again once the locks are held.
CREATE FUNCTION latchkey.user_to_change(p_id bigint) RETURNS latchkey.users
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    target users;
BEGIN
    PERFORM admin_caller();
    PERFORM 1 FROM users WHERE is_admin AND is_active ORDER BY id FOR UPDATE;
    target := target_user(p_id);
    PERFORM admin_caller();
    RETURN target;
END
$$;

-- Refuses to unmake or disable the last active administrator, as the
-- service says it (`keep_an_administrator`); the admins' rows are locked
-- by `user_to_change`.
CREATE FUNCTION latchkey.keep_an_administrator(target latchkey.users, what text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    IF target.is_admin AND target.is_active
       AND NOT EXISTS (SELECT 1 FROM users WHERE is_admin AND is_active AND id <> target.id) THEN
        RAISE EXCEPTION '% is the last active administrator and cannot be %; make someone else an administrator first',
            target.display_name, what
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

-- Checks a password verifier (as for a new user).
CREATE FUNCTION latchkey.check_verifier(p_verifier text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
        RAISE EXCEPTION 'the password must be sent as a SCRAM-SHA-256 verifier'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'password';
    END IF;
END
$$;


-- The API.

-- Metadata.

-- A metadata value; any active user (nothing secret is kept there: the
-- secrets' key has a table of its own).
CREATE FUNCTION latchkey_api.meta(p_key text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM caller();
    RETURN (SELECT value FROM meta WHERE key = p_key);
END
$$;

-- Sets a metadata value. The service writes only the workspace's id, name
-- and key check and the mark that its creation is complete, once, when the
-- workspace is created by its first administrator (`initialize`,
-- `mark_complete_op`). So: administrators only, those keys only, and only
-- while unset (writing the same value again changes nothing) — the id keys
-- the computers' audit witnesses (R-BEY-12) and must not move.
CREATE FUNCTION latchkey_api.set_meta(p_key text, p_value text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    stored text;
BEGIN
    PERFORM admin_caller();
    IF p_key IS NULL OR p_key NOT IN ('workspace_id', 'workspace_name', 'key_check', 'creation_complete') THEN
        RAISE EXCEPTION 'the workspace metadata “%” cannot be written', p_key
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_value IS NULL THEN
        RAISE EXCEPTION 'a metadata value is text' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO meta (key, value) VALUES (p_key, p_value) ON CONFLICT (key) DO NOTHING;
    SELECT value INTO stored FROM meta WHERE key = p_key FOR UPDATE;
    IF stored IS DISTINCT FROM p_value THEN
        RAISE EXCEPTION 'the workspace metadata “%” is set already and does not change', p_key
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$$;

-- The workspace settings as stored (JSON text), NULL when never saved; any
-- active user (every request is checked against them).
CREATE FUNCTION latchkey_api.settings() RETURNS text
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM caller();
    RETURN (SELECT value FROM settings WHERE key = 'settings');
END
$$;

-- Replaces the workspace settings: administrators only (`update_settings`,
-- `initialize`), checked as `WorkspaceSettings::validate` checks them (the
-- same messages, on the same fields), every value of the right JSON type.
CREATE FUNCTION latchkey_api.save_settings(p_json text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    s jsonb;
    k text;
    presets jsonb;
BEGIN
    PERFORM admin_caller();
    BEGIN
        s := p_json::jsonb;
    EXCEPTION WHEN invalid_text_representation THEN
        RAISE EXCEPTION 'the settings are not valid JSON' USING ERRCODE = 'invalid_parameter_value';
    END;
    IF jsonb_typeof(s) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'the settings are not a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH k IN ARRAY ARRAY['max_length_mins', 'pending_ttl_mins', 'expiring_soon_lead_mins',
                             'clipboard_clear_secs', 'start_grace_secs', 'claim_window_mins',
                             'idle_lock_mins'] LOOP
        IF s ? k AND (jsonb_typeof(s -> k) <> 'number' OR (s ->> k) !~ '^[0-9]{1,10}$'
                      OR (s ->> k)::bigint > 4294967295) THEN
            RAISE EXCEPTION 'the setting % is not a whole number', k USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    FOREACH k IN ARRAY ARRAY['temporary_access_enabled', 'message_required', 'allow_reveal_password',
                             'permanent_access_allowed'] LOOP
        IF s ? k AND jsonb_typeof(s -> k) <> 'boolean' THEN
            RAISE EXCEPTION 'the setting % is not true or false', k USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    presets := s -> 'preset_durations_mins';
    IF presets IS NULL OR jsonb_typeof(presets) <> 'array' OR jsonb_array_length(presets) = 0
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(presets) AS p(v)
                  WHERE jsonb_typeof(p.v) <> 'number' OR (p.v #>> '{}') !~ '^[0-9]{1,10}$'
                     OR (p.v #>> '{}')::bigint = 0 OR (p.v #>> '{}')::bigint > 4294967295) THEN
        RAISE EXCEPTION 'give at least one preset duration, each longer than zero'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'presets';
    END IF;
    IF coalesce((s ->> 'max_length_mins')::bigint, 10080) = 0 THEN
        RAISE EXCEPTION 'the maximum length must be longer than zero'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'max_length';
    END IF;
    IF coalesce((s ->> 'pending_ttl_mins')::bigint, 1440) = 0 THEN
        RAISE EXCEPTION 'the pending time must be longer than zero'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'pending_ttl';
    END IF;
    IF coalesce((s ->> 'claim_window_mins')::bigint, 1440) = 0 THEN
        RAISE EXCEPTION 'waiting times must be longer than zero'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'workspace';
    END IF;
    IF coalesce((s ->> 'expiring_soon_lead_mins')::bigint, 60) > 7 * 24 * 60 THEN
        RAISE EXCEPTION 'the expiring-soon warning must come within a week of the end'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'expiring_lead';
    END IF;
    IF coalesce((s ->> 'clipboard_clear_secs')::bigint, 30) NOT BETWEEN 1 AND 3600 THEN
        RAISE EXCEPTION 'the clipboard must be cleared after 1 s to 1 h'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'clipboard_clear';
    END IF;
    IF coalesce((s ->> 'idle_lock_mins')::bigint, 10) > 24 * 60 THEN
        RAISE EXCEPTION 'the idle lock must come within a day (or never: 0)'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'idle_lock';
    END IF;
    INSERT INTO settings (key, value) VALUES ('settings', p_json)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
END
$$;

-- Users.

-- One user, removed ones included (the history names them); any active
-- user (the window names requesters and approvers).
CREATE FUNCTION latchkey_api."user"(p_id bigint)
RETURNS TABLE (id bigint, username text, display_name text, email text,
               is_admin boolean, is_active boolean)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM caller();
    RETURN QUERY SELECT u.id, u.username, u.display_name, u.email, u.is_admin, u.is_active
                 FROM users u WHERE u.id = p_id;
END
$$;

-- Every user not removed, by display name; any active user (approver
-- drop-downs and names, `Workspace::users`).
CREATE FUNCTION latchkey_api.users()
RETURNS TABLE (id bigint, username text, display_name text, email text,
               is_admin boolean, is_active boolean)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM caller();
    RETURN QUERY SELECT u.id, u.username, u.display_name, u.email, u.is_admin, u.is_active
                 FROM users u WHERE u.removed_at_ms IS NULL
                 ORDER BY lower(u.display_name), u.id;
END
$$;

-- Every active administrator; any active user (requests are addressed to them).
CREATE FUNCTION latchkey_api.admins()
RETURNS TABLE (id bigint, username text, display_name text, email text,
               is_admin boolean, is_active boolean)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM caller();
    RETURN QUERY SELECT u.id, u.username, u.display_name, u.email, u.is_admin, u.is_active
                 FROM users u WHERE u.is_admin AND u.is_active ORDER BY u.id;
END
$$;

-- Whether a user must choose a new password: one's own, or anyone's for
-- an administrator (`user_records`).
CREATE FUNCTION latchkey_api.must_change_password(p_id bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    IF p_id <> me.id AND NOT me.is_admin THEN
        RAISE EXCEPTION 'only an administrator can do this' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN coalesce((SELECT must_change_password FROM users WHERE id = p_id), false);
END
$$;

-- Changes a user's display name and e-mail address: administrators only,
-- of a user who exists, checked as `UserDetails::validate` checks them.
CREATE FUNCTION latchkey_api.update_user_details(p_id bigint, p_display_name text, p_email text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    target users;
    new_name text := btrim(coalesce(p_display_name, ''));
    mail text := btrim(coalesce(p_email, ''));
BEGIN
    PERFORM admin_caller();
    target := target_user(p_id);
    IF new_name = '' THEN
        RAISE EXCEPTION 'enter a display name' USING ERRCODE = 'invalid_parameter_value', HINT = 'name';
    ELSIF char_length(new_name) > 100 THEN
        RAISE EXCEPTION 'the display name is longer than 100 characters'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'name';
    END IF;
    IF mail <> '' AND NOT (mail ~ '^[^@]+@[^@]*\.' AND mail !~ '[[:space:]]' AND split_part(mail, '@', 1) <> '') THEN
        RAISE EXCEPTION 'this does not look like an e-mail address'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'email';
    END IF;
    UPDATE users SET display_name = new_name, email = mail WHERE id = target.id;
END
$$;

-- Makes a user an administrator or not: administrators only; the last
-- active administrator stays one (`set_admin`).
CREATE FUNCTION latchkey_api.set_user_admin(p_id bigint, p_is_admin boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    target users := user_to_change(p_id);
BEGIN
    IF p_is_admin IS NULL OR target.is_admin = p_is_admin THEN
        RETURN;
    END IF;
    IF NOT p_is_admin THEN
        PERFORM keep_an_administrator(target, 'unmade');
    END IF;
    UPDATE users SET is_admin = p_is_admin WHERE id = target.id;
END
$$;

-- Disables or enables a user: administrators only; the last active
-- administrator cannot be disabled (`set_active`). Disabling makes the role
-- NOLOGIN (and `caller()` refuses its open sessions from this instant),
-- as `disable_user` does; enabling gives the login back.
CREATE FUNCTION latchkey_api.set_user_active(p_id bigint, p_is_active boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    target users := user_to_change(p_id);
BEGIN
    IF p_is_active IS NULL OR target.is_active = p_is_active THEN
        RETURN;
    END IF;
    IF NOT p_is_active THEN
        PERFORM keep_an_administrator(target, 'disabled');
        EXECUTE format('ALTER ROLE %I NOLOGIN', target.role_name);
    ELSE
        EXECUTE format('ALTER ROLE %I LOGIN', target.role_name);
    END IF;
    UPDATE users SET is_active = p_is_active WHERE id = target.id;
END
$$;

-- Sets a password (its SCRAM verifier, computed by the client): one's own,
-- by anyone (as `change_password`, the connection having proved the
-- current one; `p_must_change` is kept as given), or another user's, by an
-- administrator only, who gives a temporary password that must be changed
-- at the next sign-in (`reset_password`: must_change is then always set).
CREATE FUNCTION latchkey_api.set_user_password(p_id bigint, p_verifier text, p_must_change boolean)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    target users;
    must_change boolean := coalesce(p_must_change, false);
BEGIN
    PERFORM check_verifier(p_verifier);
    IF p_id = me.id THEN
        target := target_user(p_id);
    ELSE
        PERFORM admin_caller();
        target := target_user(p_id);
        must_change := true;
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L', target.role_name, p_verifier);
    UPDATE users SET must_change_password = must_change WHERE id = target.id;
END
$$;

-- Vaults.

-- Creates a vault: administrators only (`add_vault`), with a name no
-- other vault has in any case and at least one approval per request.
CREATE FUNCTION latchkey_api.insert_vault(
    p_name text, p_required_approvals bigint, p_break_glass_allowed boolean,
    p_emergency_limit_mins bigint, p_max_grant_mins bigint, p_description text,
    p_visible_to_non_members boolean
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    new_id bigint;
BEGIN
    PERFORM admin_caller();
    PERFORM check_vault_name(p_name, NULL);
    IF p_required_approvals IS NULL OR p_required_approvals < 1 OR p_required_approvals > 2147483647 THEN
        RAISE EXCEPTION 'a vault needs at least one approval per request'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'workspace';
    END IF;
    IF p_emergency_limit_mins IS NULL OR p_emergency_limit_mins < 0 OR p_emergency_limit_mins > 2147483647
       OR p_max_grant_mins < 1 OR p_max_grant_mins > 2147483647 THEN
        RAISE EXCEPTION 'a vault''s limits are whole minutes'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'workspace';
    END IF;
    IF char_length(btrim(coalesce(p_description, ''))) > 500 THEN
        RAISE EXCEPTION 'the description has % characters; keep it to 500',
            char_length(btrim(p_description))
            USING ERRCODE = 'invalid_parameter_value', HINT = 'workspace';
    END IF;
    BEGIN
        INSERT INTO vaults (name, required_approvals, break_glass_allowed, emergency_limit_mins,
                            max_grant_mins, description, visible_to_non_members)
        VALUES (btrim(p_name), p_required_approvals, coalesce(p_break_glass_allowed, false),
                p_emergency_limit_mins, p_max_grant_mins, btrim(coalesce(p_description, '')),
                coalesce(p_visible_to_non_members, false))
        RETURNING id INTO new_id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'a vault named “%” exists already', btrim(p_name)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'name';
    END;
    RETURN new_id;
END
$$;

-- One vault, if the caller may see it (`sees_vault`); no row otherwise,
-- as for a vault that does not exist.
CREATE FUNCTION latchkey_api.vault(p_id bigint)
RETURNS TABLE (id bigint, name text, required_approvals integer, break_glass_allowed boolean,
               emergency_limit_mins integer, max_grant_mins integer, description text,
               visible_to_non_members boolean)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT v.id, v.name, v.required_approvals, v.break_glass_allowed,
                        v.emergency_limit_mins, v.max_grant_mins, v.description,
                        v.visible_to_non_members
                 FROM vaults v WHERE v.id = p_id AND sees_vault(me, v);
END
$$;

-- Every vault the caller may see (`sees_vault`), by name.
CREATE FUNCTION latchkey_api.vaults()
RETURNS TABLE (id bigint, name text, required_approvals integer, break_glass_allowed boolean,
               emergency_limit_mins integer, max_grant_mins integer, description text,
               visible_to_non_members boolean)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT v.id, v.name, v.required_approvals, v.break_glass_allowed,
                        v.emergency_limit_mins, v.max_grant_mins, v.description,
                        v.visible_to_non_members
                 FROM vaults v WHERE sees_vault(me, v) ORDER BY lower(v.name), v.id;
END
$$;

-- Makes a user a member: administrators only (adding a member, an
-- approver or a standing permission), of a vault and a user that exist.
CREATE FUNCTION latchkey_api.add_member(p_vault bigint, p_user bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    v vaults;
    u users;
BEGIN
    PERFORM admin_caller();
    v := vault_to_change(p_vault);
    u := target_user(p_user);
    INSERT INTO vault_members (vault_id, user_id) VALUES (v.id, u.id) ON CONFLICT DO NOTHING;
END
$$;

-- Whether a user is a stored member of a vault: one's own membership, or
-- anyone's for an administrator or an approver of the vault (who decide
-- and explain access there).
CREATE FUNCTION latchkey_api.is_member(p_vault bigint, p_user bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    IF p_user <> me.id AND NOT me.is_admin AND NOT is_approver(me.id, p_vault) THEN
        RAISE EXCEPTION 'only an administrator or an approver of this vault can see who is a member'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN EXISTS (SELECT 1 FROM vault_members WHERE vault_id = p_vault AND user_id = p_user);
END
$$;

-- The vaults a user is a stored member of: one's own, or anyone's for an
-- administrator.
CREATE FUNCTION latchkey_api.member_vaults(p_user bigint) RETURNS SETOF bigint
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    IF p_user <> me.id AND NOT me.is_admin THEN
        RAISE EXCEPTION 'only an administrator can do this' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY SELECT vault_id FROM vault_members WHERE user_id = p_user ORDER BY vault_id;
END
$$;

-- Makes the requester of an approved permanent request to join a member
-- that remembers the request (R-REQ-12): only in the transaction that
-- approved it, by who may decide it (`request_approved_here`), for that
-- request's vault and requester exactly. Nothing if already a member.
CREATE FUNCTION latchkey_api.add_member_from(p_vault bigint, p_user bigint, p_request bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    r requests := request_approved_here(me, p_request);
BEGIN
    IF NOT r.joins OR r.vault_id <> p_vault OR r.requester_id <> p_user THEN
        RAISE EXCEPTION 'this request does not ask to join this vault for this user'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM vault_to_change(p_vault);
    INSERT INTO vault_members (vault_id, user_id, origin_request_id)
    VALUES (p_vault, p_user, p_request) ON CONFLICT DO NOTHING;
END
$$;

-- Ends the membership a request to join gave; whether it did. By an
-- administrator, or by who revoked or released that request in this very
-- transaction (`end_standing_of`).
CREATE FUNCTION latchkey_api.remove_member_from(p_request bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    removed integer;
BEGIN
    IF NOT me.is_admin AND NOT request_ended_here(me, p_request) THEN
        RAISE EXCEPTION 'only who ends this request can end the membership it gave'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM vault_members WHERE origin_request_id = p_request;
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed > 0;
END
$$;

-- Makes a user an approver of a vault: administrators only.
CREATE FUNCTION latchkey_api.add_approver(p_vault bigint, p_user bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    v vaults;
    u users;
BEGIN
    PERFORM admin_caller();
    v := vault_to_change(p_vault);
    u := target_user(p_user);
    INSERT INTO vault_approvers (vault_id, user_id) VALUES (v.id, u.id) ON CONFLICT DO NOTHING;
END
$$;

-- Renames a vault: administrators only, to a name no other vault has in
-- any case (`rename_vault`).
CREATE FUNCTION latchkey_api.rename_vault(p_id bigint, p_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    v vaults;
BEGIN
    PERFORM admin_caller();
    v := vault_to_change(p_id);
    PERFORM check_vault_name(p_name, v.id);
    BEGIN
        UPDATE vaults SET name = btrim(p_name) WHERE id = v.id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'a vault named “%” exists already', btrim(p_name)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'name';
    END;
END
$$;

-- Deletes a vault with its entries, members, approvers and standing
-- permissions: administrators only, and never while a request names it
-- (their history is kept) (`delete_vault`).
CREATE FUNCTION latchkey_api.delete_vault(p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    v vaults;
BEGIN
    PERFORM admin_caller();
    v := vault_to_change(p_id);
    IF EXISTS (SELECT 1 FROM requests WHERE vault_id = v.id) THEN
        RAISE EXCEPTION 'the vault “%” has access requests, whose history is kept; it cannot be deleted', v.name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM vaults WHERE id = v.id;
    DELETE FROM entry_revisions WHERE vault_id = v.id;
END
$$;

-- How many stored members a vault has: administrators only (what deleting
-- it takes with it).
CREATE FUNCTION latchkey_api.member_count(p_vault bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM admin_caller();
    RETURN (SELECT count(*) FROM vault_members WHERE vault_id = p_vault);
END
$$;

-- Whether any request names a vault: administrators only.
CREATE FUNCTION latchkey_api.vault_has_requests(p_vault bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM admin_caller();
    RETURN EXISTS (SELECT 1 FROM requests WHERE vault_id = p_vault);
END
$$;

-- The approvers of a vault (administrators not included); any active user
-- (who may decide a request is shown to requesters and approvers alike).
CREATE FUNCTION latchkey_api.approvers(p_vault bigint) RETURNS SETOF bigint
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM caller();
    RETURN QUERY SELECT user_id FROM vault_approvers WHERE vault_id = p_vault ORDER BY user_id;
END
$$;

-- The stored members of a vault: administrators only (`vault_members`).
CREATE FUNCTION latchkey_api.members(p_vault bigint) RETURNS SETOF bigint
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM admin_caller();
    RETURN QUERY SELECT user_id FROM vault_members WHERE vault_id = p_vault ORDER BY user_id;
END
$$;

-- Removes a user from a vault's members and approvers: administrators only;
-- never refused for the vault's quorum (`remove_member`).
CREATE FUNCTION latchkey_api.remove_member(p_vault bigint, p_user bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    v vaults;
BEGIN
    PERFORM admin_caller();
    v := vault_to_change(p_vault);
    DELETE FROM vault_approvers WHERE vault_id = v.id AND user_id = p_user;
    DELETE FROM vault_members WHERE vault_id = v.id AND user_id = p_user;
END
$$;

-- Removes an approver (they stay a member): administrators only, and only
-- while enough people could still approve the vault's requests: its other
-- active approvers and the active administrators (`remove_approver`). The
-- vault's row is locked, so a concurrent change of its required approvals
-- is decided before or after, never beside.
CREATE FUNCTION latchkey_api.remove_approver(p_vault bigint, p_user bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    v vaults;
    who users;
    possible bigint;
BEGIN
    PERFORM admin_caller();
    v := vault_to_change(p_vault);
    SELECT * INTO who FROM users WHERE id = p_user;
    IF NOT FOUND OR NOT is_approver(p_user, v.id) THEN
        RAISE EXCEPTION '% is not an approver of %', coalesce(who.display_name, 'user ' || p_user), v.name
            USING ERRCODE = 'invalid_parameter_value', HINT = 'approver';
    END IF;
    possible := possible_approvers(v.id, p_user);
    IF possible < v.required_approvals THEN
        RAISE EXCEPTION '% requires % per request; without % only % could approve (its approvers and the administrators); lower the required approvals or add an approver first',
            v.name, approvals_phrase(v.required_approvals), who.display_name, people_phrase(possible)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'approver';
    END IF;
    DELETE FROM vault_approvers WHERE vault_id = v.id AND user_id = p_user;
END
$$;

-- Stores a vault's policy: administrators only, checked as `check_policy`
-- checks it (1 to 10 approvals, and when the number changes no more than
-- its active approvers and the active administrators can give; 1 minute to
-- a day of emergency access when break glass is allowed; a maximum access
-- of at least a minute and at most the workspace's; 500 characters of
-- description). The vault's row is locked (see `remove_approver`).
CREATE FUNCTION latchkey_api.update_vault_policy(
    p_id bigint, p_required_approvals bigint, p_break_glass_allowed boolean,
    p_emergency_limit_mins bigint, p_max_grant_mins bigint, p_description text,
    p_visible_to_non_members boolean
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    v vaults;
    possible bigint;
    workspace_max bigint;
    new_description text := btrim(coalesce(p_description, ''));
BEGIN
    PERFORM admin_caller();
    v := vault_to_change(p_id);
    IF p_required_approvals IS NULL OR p_required_approvals NOT BETWEEN 1 AND 10 THEN
        RAISE EXCEPTION 'a vault requires from 1 to 10 approvals per request'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'workspace';
    ELSIF p_required_approvals <> v.required_approvals THEN
        possible := possible_approvers(v.id, NULL);
        IF p_required_approvals > possible THEN
            RAISE EXCEPTION 'only % can approve requests in % (its approvers and the administrators), fewer than the % asked for; add approvers first',
                people_phrase(possible), v.name, approvals_phrase(p_required_approvals)
                USING ERRCODE = 'invalid_parameter_value', HINT = 'workspace';
        END IF;
    END IF;
    IF p_emergency_limit_mins IS NULL OR p_emergency_limit_mins NOT BETWEEN 0 AND 2147483647
       OR (coalesce(p_break_glass_allowed, false) AND p_emergency_limit_mins NOT BETWEEN 1 AND 1440) THEN
        RAISE EXCEPTION 'emergency access lasts from 1 minute to 1 day'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'workspace';
    END IF;
    IF p_max_grant_mins IS NOT NULL THEN
        workspace_max := coalesce((settings_json() ->> 'max_length_mins')::bigint, 10080);
        IF p_max_grant_mins < 1 THEN
            RAISE EXCEPTION 'the vault''s maximum access must be longer than zero'
                USING ERRCODE = 'invalid_parameter_value', HINT = 'workspace';
        ELSIF p_max_grant_mins > workspace_max THEN
            RAISE EXCEPTION 'the vault''s maximum access cannot exceed the workspace''s maximum of % minutes', workspace_max
                USING ERRCODE = 'invalid_parameter_value', HINT = 'workspace';
        END IF;
    END IF;
    IF char_length(new_description) > 500 THEN
        RAISE EXCEPTION 'the description has % characters; keep it to 500', char_length(new_description)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'workspace';
    END IF;
    UPDATE vaults SET required_approvals = p_required_approvals,
                      break_glass_allowed = coalesce(p_break_glass_allowed, false),
                      emergency_limit_mins = p_emergency_limit_mins,
                      max_grant_mins = p_max_grant_mins,
                      description = new_description,
                      visible_to_non_members = coalesce(p_visible_to_non_members, false)
    WHERE id = v.id;
END
$$;

-- Permission sets.

-- Defines a permission set: administrators only (`add_permission_set`),
-- checked as `check_set_form`. A built-in set only while the workspace is
-- being created (`initialize`, before its creation is marked complete).
CREATE FUNCTION latchkey_api.insert_permission_set(p_name text, p_bits integer, p_is_builtin boolean)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    new_id bigint;
BEGIN
    PERFORM admin_caller();
    IF coalesce(p_is_builtin, false)
       AND EXISTS (SELECT 1 FROM meta WHERE key = 'creation_complete') THEN
        RAISE EXCEPTION 'built-in sets are made when the workspace is created'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM check_set_form(p_name, p_bits, NULL);
    BEGIN
        INSERT INTO permission_sets (name, permission_bits, is_builtin)
        VALUES (btrim(p_name), p_bits, coalesce(p_is_builtin, false))
        RETURNING id INTO new_id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'a permission set named “%” exists already', btrim(p_name)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'name';
    END;
    RETURN new_id;
END
$$;

-- Every permission set not deleted, built-in first; any active user.
CREATE FUNCTION latchkey_api.permission_sets()
RETURNS TABLE (id bigint, name text, permission_bits integer, is_builtin boolean)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM caller();
    RETURN QUERY SELECT s.id, s.name, s.permission_bits, s.is_builtin FROM permission_sets s
                 WHERE s.deleted_at_ms IS NULL ORDER BY s.is_builtin DESC, s.id;
END
$$;

-- One permission set, deleted ones included when `p_with_deleted` (the
-- name the history of a request uses); any active user.
CREATE FUNCTION latchkey_api.permission_set(p_id bigint, p_with_deleted boolean)
RETURNS TABLE (id bigint, name text, permission_bits integer, is_builtin boolean)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM caller();
    RETURN QUERY SELECT s.id, s.name, s.permission_bits, s.is_builtin FROM permission_sets s
                 WHERE s.id = p_id AND (p_with_deleted OR s.deleted_at_ms IS NULL);
END
$$;

-- The permission set called `p_name` in any case, deleted or not, and
-- whether it is deleted: administrators only (checking a set's name).
CREATE FUNCTION latchkey_api.permission_set_named(p_name text)
RETURNS TABLE (id bigint, name text, permission_bits integer, is_builtin boolean, deleted boolean)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM admin_caller();
    RETURN QUERY SELECT s.id, s.name, s.permission_bits, s.is_builtin, s.deleted_at_ms IS NOT NULL
                 FROM permission_sets s WHERE lower(s.name) = lower(btrim(p_name))
                 ORDER BY s.deleted_at_ms IS NOT NULL, s.id LIMIT 1;
END
$$;

-- Renames a permission set and replaces its permissions: administrators
-- only; not a built-in or deleted set; checked as `check_set_form`.
CREATE FUNCTION latchkey_api.update_permission_set(p_id bigint, p_name text, p_bits integer)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    s permission_sets;
BEGIN
    PERFORM admin_caller();
    s := live_set(p_id, true);
    IF s.id IS NULL THEN
        RAISE EXCEPTION 'permission set % does not exist', p_id USING ERRCODE = 'no_data_found';
    END IF;
    IF s.is_builtin THEN
        RAISE EXCEPTION 'built-in sets cannot be changed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM check_set_form(p_name, p_bits, s.id);
    BEGIN
        UPDATE permission_sets SET name = btrim(p_name), permission_bits = p_bits WHERE id = s.id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'a permission set named “%” exists already', btrim(p_name)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'name';
    END;
END
$$;

-- Marks a permission set deleted at the server's instant: administrators
-- only; not a built-in set, nor one a standing permission gives or a
-- request pending or in force asks for or was granted (`delete_permission_set`).
-- The set's row is locked; giving it (`add_standing`) locks it too.
CREATE FUNCTION latchkey_api.delete_permission_set(p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    s permission_sets;
    at_ms bigint := now_ms();
    standing_count bigint;
    vault_names text;
    open_count bigint;
    standing_text text;
    requests_text text;
    uses text;
BEGIN
    PERFORM admin_caller();
    s := live_set(p_id, true);
    IF s.id IS NULL THEN
        RAISE EXCEPTION 'permission set % does not exist', p_id USING ERRCODE = 'no_data_found';
    END IF;
    IF s.is_builtin THEN
        RAISE EXCEPTION 'built-in sets cannot be deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT count(*) INTO standing_count FROM standing_permissions WHERE permission_set_id = s.id;
    SELECT string_agg(n, ', ' ORDER BY lower(n)) INTO vault_names
    FROM (SELECT DISTINCT v.name AS n FROM standing_permissions sp JOIN vaults v ON v.id = sp.vault_id
          WHERE sp.permission_set_id = s.id) AS names;
    SELECT count(*) INTO open_count FROM requests
    WHERE (requested_set_id = s.id OR authorized_set_id = s.id)
      AND ((status = 'pending' AND pending_until_ms > at_ms)
           OR (status = 'approved' AND (grant_end_ms > at_ms
               OR (grant_end_ms IS NULL AND claim_by_ms > at_ms))));
    IF standing_count > 0 OR open_count > 0 THEN
        standing_text := CASE WHEN standing_count = 1 THEN '1 standing permission in ' || vault_names
                              WHEN standing_count > 1 THEN standing_count || ' standing permissions in ' || vault_names END;
        requests_text := CASE WHEN open_count = 1 THEN '1 open request'
                              WHEN open_count > 1 THEN open_count || ' open requests' END;
        uses := CASE WHEN standing_text IS NOT NULL AND requests_text IS NOT NULL
                     THEN 'used by ' || standing_text || ' and by ' || requests_text
                     ELSE 'used by ' || coalesce(standing_text, requests_text) END;
        RAISE EXCEPTION '“%” cannot be deleted: it is %; remove those uses first', s.name, uses
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE permission_sets SET deleted_at_ms = at_ms WHERE id = s.id;
END
$$;

-- The vault of each standing permission that gives a set: administrators only.
CREATE FUNCTION latchkey_api.standing_vaults_of_set(p_set bigint) RETURNS SETOF bigint
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM admin_caller();
    RETURN QUERY SELECT vault_id FROM standing_permissions WHERE permission_set_id = p_set ORDER BY id;
END
$$;

-- Standing permissions.

-- Gives a user a standing permission set on a vault or one of its folders:
-- administrators only (`add_standing`); a folder of that vault that is not
-- deleted, a set that is not deleted (locked against its deletion), a user
-- who exists.
CREATE FUNCTION latchkey_api.add_standing(p_user bigint, p_vault bigint, p_folder bigint, p_set bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    v vaults;
    u users;
BEGIN
    PERFORM admin_caller();
    v := vault_to_change(p_vault);
    u := target_user(p_user);
    IF p_folder IS NOT NULL THEN
        PERFORM 1 FROM entries e WHERE e.id = p_folder AND e.deleted_at_ms IS NULL FOR SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'entry % does not exist', p_folder USING ERRCODE = 'no_data_found';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM entries e WHERE e.id = p_folder AND e.kind = 'folder'
                       AND e.vault_id = v.id) THEN
            RAISE EXCEPTION 'standing permissions are given on a vault or one of its folders'
                USING ERRCODE = 'invalid_parameter_value', HINT = 'entry';
        END IF;
    END IF;
    IF (live_set(p_set, false)).id IS NULL THEN
        RAISE EXCEPTION 'choose a permission set'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'permission_set';
    END IF;
    INSERT INTO standing_permissions (user_id, vault_id, folder_id, permission_set_id)
    VALUES (u.id, v.id, p_folder, p_set);
END
$$;

-- Every standing permission in a vault, oldest first: administrators only.
CREATE FUNCTION latchkey_api.standing_grants(p_vault bigint)
RETURNS TABLE (user_id bigint, vault_id bigint, folder_id bigint, permission_set_id bigint,
               origin_request_id bigint, approved_by bigint, approved_at_ms bigint)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM admin_caller();
    RETURN QUERY SELECT s.user_id, s.vault_id, s.folder_id, s.permission_set_id,
                        s.origin_request_id, s.approved_by, s.approved_at_ms
                 FROM standing_permissions s WHERE s.vault_id = p_vault ORDER BY s.id;
END
$$;

-- Stores the standing permission an approved permanent request becomes
-- (R-REQ-10): only in the transaction that approved it, by who may decide
-- it (`request_approved_here`), exactly as the request says (its
-- requester, vault, entry or folder, authorized set), once; who approved
-- and when are the caller and the server's instant. A standing permission
-- without an origin is given by an administrator (as `add_standing`).
CREATE FUNCTION latchkey_api.insert_standing_grant(
    p_user bigint, p_vault bigint, p_folder bigint, p_set bigint, p_request bigint
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    r requests;
BEGIN
    IF p_request IS NULL THEN
        PERFORM latchkey_api.add_standing(p_user, p_vault, p_folder, p_set);
        RETURN;
    END IF;
    r := request_approved_here(me, p_request);
    IF r.requester_id <> p_user OR r.vault_id <> p_vault
       OR r.entry_id IS DISTINCT FROM p_folder
       OR coalesce(r.authorized_set_id, r.requested_set_id) <> p_set THEN
        RAISE EXCEPTION 'a standing permission from a request is the one the request was approved for'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM standing_permissions WHERE origin_request_id = r.id) THEN
        RAISE EXCEPTION 'this request already became a standing permission'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF (live_set(p_set, false)).id IS NULL THEN
        RAISE EXCEPTION 'choose a permission set'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'permission_set';
    END IF;
    INSERT INTO standing_permissions (user_id, vault_id, folder_id, permission_set_id,
                                      origin_request_id, approved_by, approved_at_ms)
    VALUES (p_user, p_vault, p_folder, p_set, r.id, me.id, now_ms());
END
$$;

-- The standing permission an approved permanent request became, if it
-- still exists: for administrators, the request's requester and decider,
-- who ended it, and the approvers of its vault; no row for anyone else.
CREATE FUNCTION latchkey_api.standing_from_request(p_request bigint)
RETURNS TABLE (user_id bigint, vault_id bigint, folder_id bigint, permission_set_id bigint,
               origin_request_id bigint, approved_by bigint, approved_at_ms bigint)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT s.user_id, s.vault_id, s.folder_id, s.permission_set_id,
                        s.origin_request_id, s.approved_by, s.approved_at_ms
                 FROM standing_permissions s JOIN requests r ON r.id = s.origin_request_id
                 WHERE s.origin_request_id = p_request
                   AND (me.is_admin OR me.id IN (r.requester_id, r.decided_by, r.ended_by)
                        OR is_approver(me.id, r.vault_id))
                 ORDER BY s.id LIMIT 1;
END
$$;

-- Removes exactly one standing permission like the one given; whether there
-- was one. Administrators remove any (`remove_standing`, removing a
-- member); anyone else only the one a request they revoked or released in
-- this very transaction became (`end_standing_of`).
CREATE FUNCTION latchkey_api.remove_standing(
    p_user bigint, p_vault bigint, p_folder bigint, p_set bigint, p_request bigint
) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    found_id bigint;
BEGIN
    IF NOT me.is_admin AND NOT request_ended_here(me, p_request) THEN
        RAISE EXCEPTION 'only an administrator can do this' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT id INTO found_id FROM standing_permissions
    WHERE user_id = p_user AND vault_id = p_vault AND folder_id IS NOT DISTINCT FROM p_folder
      AND permission_set_id = p_set AND origin_request_id IS NOT DISTINCT FROM p_request
    ORDER BY id LIMIT 1 FOR UPDATE;
    IF found_id IS NULL THEN
        RETURN false;
    END IF;
    DELETE FROM standing_permissions WHERE id = found_id;
    RETURN true;
END
$$;

-- A user's standing permission sets in a vault, oldest first, with their
-- permissions: one's own, or anyone's for an administrator or an approver
-- of the vault (who may explain access there).
CREATE FUNCTION latchkey_api.standing(p_user bigint, p_vault bigint)
RETURNS TABLE (folder_id bigint, permission_bits integer, permission_set_id bigint, approved_at_ms bigint)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    IF p_user <> me.id AND NOT me.is_admin AND NOT is_approver(me.id, p_vault) THEN
        RAISE EXCEPTION 'only an administrator or an approver of this vault can see why someone has access'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY SELECT sp.folder_id, ps.permission_bits, sp.permission_set_id, sp.approved_at_ms
                 FROM standing_permissions sp JOIN permission_sets ps ON ps.id = sp.permission_set_id
                 WHERE sp.user_id = p_user AND sp.vault_id = p_vault ORDER BY sp.id;
END
$$;

RESET ROLE;
