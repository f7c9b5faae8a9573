-- Access requests on a PostgreSQL workspace (R-REQ-*, R-APP-*, R-BEY-2…5,
-- R-BEY-10): asking, deciding, ending, and what time does, each checked by
-- the server at its own instant for the caller (`session_user`).
--
-- Invariants:
-- * A request is written only by `latchkey_api.insert_request` and
--   `latchkey_api.update_request`. The first takes the terms a person chose
--   and computes everything else (created, pending until, the decision of a
--   direct grant or break glass); the second locks the stored row, names the
--   one transition the change is (approve, deny, cancel, revoke, release,
--   first use, review, lapse, expiry bookkeeping, an administrator's
--   withdrawal), checks who may make it in that state at the server's
--   instant, and refuses anything else. Instants of a decision are the
--   server's, whatever the client sent.
-- * A read returns only the requests its caller may see: their own, those
--   of vaults they approve, those addressed to or decided by them; an
--   administrator sees every one (the service's `may_see`).

SET LOCAL ROLE latchkey_owner;

-- Workspace settings: latchkey.settings_json() (vaults.sql).

CREATE FUNCTION latchkey.setting_int(p jsonb, p_name text, p_default bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((p ->> p_name)::bigint, p_default)
$$;

CREATE FUNCTION latchkey.setting_bool(p jsonb, p_name text, p_default boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((p ->> p_name)::boolean, p_default)
$$;

-- "15 min", "2 h", "1 day", "1 week" (Span::human_mins).
CREATE FUNCTION latchkey.human_mins(p_mins bigint) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN p_mins > 0 AND p_mins % 10080 = 0 THEN
            CASE WHEN p_mins = 10080 THEN '1 week' ELSE (p_mins / 10080)::text || ' weeks' END
        ELSE nullif(concat_ws(' ',
            CASE WHEN p_mins / 1440 = 1 THEN '1 day'
                 WHEN p_mins / 1440 > 1 THEN (p_mins / 1440)::text || ' days' END,
            CASE WHEN p_mins % 1440 / 60 > 0 THEN (p_mins % 1440 / 60)::text || ' h' END,
            CASE WHEN p_mins % 60 > 0 AND p_mins < 1440 THEN (p_mins % 60)::text || ' min' END), '')
    END
$$;

-- An instant for a message: "2026-11-30 14:05:00 UTC".
CREATE FUNCTION latchkey.utc_text(p_ms bigint) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT to_char(to_timestamp(p_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC'
$$;

-- A user's display name for a message, or "someone".
CREATE FUNCTION latchkey.name_of(p_user bigint) RETURNS text
LANGUAGE sql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT display_name FROM users WHERE id = p_user), 'someone')
$$;

-- Raises a refusal: `p_kind` is 'denied' (the caller may not), 'invalid'
-- (a field, named by `p_field`) or 'state' (not in this state).
CREATE FUNCTION latchkey.refuse(p_kind text, p_message text, p_field text DEFAULT 'workspace')
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_kind = 'denied' THEN
        RAISE EXCEPTION '%', p_message USING ERRCODE = 'insufficient_privilege';
    ELSIF p_kind = 'invalid' THEN
        RAISE EXCEPTION '%', p_message USING ERRCODE = 'invalid_parameter_value', HINT = p_field;
    ELSE
        RAISE EXCEPTION '%', p_message USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$$;

-- Whether `p_me` may see a request with these people in this vault: its
-- requester, its chosen approver, its decider, an approver of its vault, or
-- an administrator (service/queries.rs `may_see`).
CREATE FUNCTION latchkey.may_see_request(
    p_me latchkey.users, p_requester bigint, p_approver bigint, p_decided_by bigint, p_vault bigint
) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT p_me.is_admin
        OR p_requester = p_me.id
        OR coalesce(p_approver = p_me.id, false)
        OR coalesce(p_decided_by = p_me.id, false)
        OR is_approver(p_me.id, p_vault)
$$;

-- Whether `p_user` decides for `p_vault`: an active administrator or an
-- active approver of the vault (domain::vault::is_approver).
CREATE FUNCTION latchkey.decides_for(p_user bigint, p_vault bigint) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM users u
                   WHERE u.id = p_user AND u.is_active AND u.removed_at_ms IS NULL
                     AND (u.is_admin OR is_approver(u.id, p_vault)))
$$;

-- Where a request stands at `p_now` (Request::phase).
CREATE FUNCTION latchkey.request_phase(r latchkey.requests, p_now bigint) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT CASE r.status
        WHEN 'pending' THEN CASE WHEN p_now >= r.pending_until_ms THEN 'lapsed' ELSE 'pending' END
        WHEN 'approved' THEN CASE
            WHEN r.grant_start_ms IS NOT NULL AND r.grant_end_ms IS NULL AND r.claim_by_ms IS NULL THEN
                CASE WHEN p_now < r.grant_start_ms THEN 'scheduled' ELSE 'active' END
            WHEN r.grant_start_ms IS NOT NULL AND r.grant_end_ms IS NOT NULL THEN
                CASE WHEN p_now < r.grant_start_ms THEN 'scheduled'
                     WHEN p_now < r.grant_end_ms THEN 'active'
                     ELSE 'expired' END
            WHEN r.claim_by_ms IS NOT NULL AND p_now < r.claim_by_ms THEN 'awaiting_first_use'
            ELSE 'lapsed' END
        ELSE r.status
    END
$$;

-- Whether access granted in this phase may still be used now or later.
CREATE FUNCTION latchkey.is_live_phase(p_phase text) RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT p_phase IN ('awaiting_first_use', 'scheduled', 'active')
$$;

-- Whether the terms in force are permanent: latchkey.is_permanent(r)
-- (vaults.sql).

-- Errors unless `r` is pending at `p_now`; names who handled it otherwise
-- (decisions.rs `ensure_pending`).
CREATE FUNCTION latchkey.ensure_pending(r latchkey.requests, p_now bigint) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    IF r.status = 'pending' AND p_now < r.pending_until_ms THEN
        RETURN;
    ELSIF r.status = 'pending' THEN
        PERFORM refuse('state', format('this request lapsed at %s without a decision',
                                       utc_text(r.pending_until_ms)));
    ELSIF r.status IN ('approved', 'revoked', 'released')
          OR (r.status = 'lapsed' AND r.decided_by IS NOT NULL) THEN
        PERFORM refuse('state', format('this request was already approved by %s at %s',
                                       name_of(r.decided_by), utc_text(coalesce(r.decided_at_ms, r.created_at_ms))));
    ELSIF r.status = 'denied' THEN
        PERFORM refuse('state', format('this request was already denied by %s at %s',
                                       name_of(r.decided_by), utc_text(coalesce(r.decided_at_ms, r.created_at_ms))));
    ELSIF r.status = 'cancelled' THEN
        PERFORM refuse('state', format('this request was already cancelled by %s at %s',
                                       name_of(r.ended_by), utc_text(coalesce(r.ended_at_ms, r.created_at_ms))));
    ELSE
        PERFORM refuse('state', format('this request lapsed at %s without a decision',
                                       utc_text(coalesce(r.ended_at_ms, r.pending_until_ms))));
    END IF;
END
$$;

-- Errors unless `r` is a live grant at `p_now` (decisions.rs `ensure_live_grant`).
CREATE FUNCTION latchkey.ensure_live_grant(r latchkey.requests, p_now bigint, p_verb text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    phase text := request_phase(r, p_now);
BEGIN
    IF is_live_phase(phase) THEN
        RETURN;
    ELSIF phase = 'expired' THEN
        PERFORM refuse('state', format('this access already ended at %s; there is nothing to be %s',
                                       utc_text(r.grant_end_ms), p_verb));
    ELSIF phase = 'pending' THEN
        PERFORM refuse('state', 'this request has not been approved yet; cancel it instead');
    ELSE
        PERFORM refuse('state', format('this access is %s and cannot be %s', phase, p_verb));
    END IF;
END
$$;

-- A message's length limit (MAX_MESSAGE_CHARS).
CREATE FUNCTION latchkey.check_message(p_message text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    IF char_length(coalesce(p_message, '')) > 2000 THEN
        PERFORM refuse('invalid', format('the message is %s characters long; the limit is 2,000',
                                         char_length(p_message)), 'message');
    END IF;
END
$$;

-- A permission set that exists and is not deleted, or a refusal.
CREATE FUNCTION latchkey.check_permission_set(p_set bigint) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM permission_sets WHERE id = p_set AND deleted_at_ms IS NULL) THEN
        PERFORM refuse('invalid', 'choose a permission set', 'permission_set');
    END IF;
END
$$;

-- Checks a window (validation.rs `check_window`) against the longest
-- access allowed in `v` (MaxLength::of, or the workspace's alone when
-- `p_workspace_max_only`). `p_is_request` refuses a start in the past; an
-- approval or a direct grant refuses a time frame already over.
CREATE FUNCTION latchkey.check_window(
    s jsonb, v latchkey.vaults, p_mins bigint, p_start bigint, p_end bigint,
    p_now bigint, p_is_request boolean, p_workspace_max_only boolean
) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    max_mins bigint := setting_int(s, 'max_length_mins', 10080);
    place text := '';
BEGIN
    IF NOT p_workspace_max_only AND v.max_grant_mins IS NOT NULL AND v.max_grant_mins < max_mins THEN
        max_mins := v.max_grant_mins;
        place := ' in ' || v.name;
    END IF;
    IF p_mins IS NULL AND p_start IS NULL AND p_end IS NULL THEN
        IF NOT setting_bool(s, 'permanent_access_allowed', false) THEN
            PERFORM refuse('invalid', 'permanent access is not allowed in this workspace; choose a duration', 'duration');
        END IF;
    ELSIF p_mins IS NOT NULL THEN
        IF p_start IS NOT NULL OR p_end IS NOT NULL THEN
            PERFORM refuse('invalid', 'choose a duration or a time frame, not both', 'duration');
        ELSIF p_mins <= 0 THEN
            PERFORM refuse('invalid', 'choose a duration longer than zero', 'duration');
        ELSIF p_mins > max_mins THEN
            PERFORM refuse('invalid', format('the longest access allowed%s is %s', place, human_mins(max_mins)), 'duration');
        END IF;
    ELSE
        IF p_start IS NULL OR p_end IS NULL THEN
            PERFORM refuse('invalid', 'choose both the start and the end', 'end');
        ELSIF p_start < 0 OR p_start > 253402300799999 THEN
            PERFORM refuse('invalid', 'choose a date between 1970 and 9999', 'start');
        ELSIF p_end < 0 OR p_end > 253402300799999 THEN
            PERFORM refuse('invalid', 'choose a date between 1970 and 9999', 'end');
        ELSIF p_end <= p_start THEN
            PERFORM refuse('invalid', 'the end must be after the start', 'end');
        ELSIF p_end - p_start > max_mins * 60000 THEN
            PERFORM refuse('invalid', format('the time frame is longer than the %s allowed%s', human_mins(max_mins), place), 'end');
        ELSIF p_is_request AND p_start < p_now - setting_int(s, 'start_grace_secs', 300) * 1000 THEN
            PERFORM refuse('invalid', 'the start is in the past', 'start');
        ELSIF NOT p_is_request AND p_end <= p_now THEN
            PERFORM refuse('invalid', 'the time frame has already ended', 'end');
        END IF;
    END IF;
END
$$;

-- Fixes the window of a grant approved at `p_now` with the terms in force
-- (decisions.rs `set_grant_window`); `p_continues` is the end of the grant
-- an extension continues, if it still runs.
CREATE FUNCTION latchkey.set_grant_window(r latchkey.requests, s jsonb, p_continues bigint, p_now bigint)
RETURNS latchkey.requests
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    mins bigint := coalesce(r.authorized_duration_mins, r.requested_duration_mins);
    start_at bigint;
BEGIN
    IF r.authorized_set_id IS NULL THEN
        r.authorized_set_id := r.requested_set_id;
        r.authorized_duration_mins := r.requested_duration_mins;
        r.authorized_start_ms := r.requested_start_ms;
        r.authorized_end_ms := r.requested_end_ms;
    END IF;
    mins := r.authorized_duration_mins;
    IF mins IS NOT NULL AND r.start_on_first_use THEN
        r.grant_start_ms := NULL;
        r.grant_end_ms := NULL;
        r.claim_by_ms := p_now + setting_int(s, 'claim_window_mins', 1440) * 60000;
    ELSIF mins IS NOT NULL THEN
        start_at := CASE WHEN p_continues > p_now THEN p_continues ELSE p_now END;
        r.grant_start_ms := start_at;
        r.grant_end_ms := start_at + mins * 60000;
        r.claim_by_ms := NULL;
    ELSIF r.authorized_start_ms IS NOT NULL THEN
        r.grant_start_ms := greatest(r.authorized_start_ms, p_now);
        r.grant_end_ms := r.authorized_end_ms;
        r.claim_by_ms := NULL;
    ELSE
        r.grant_start_ms := p_now;
        r.grant_end_ms := NULL;
        r.claim_by_ms := NULL;
    END IF;
    RETURN r;
END
$$;

-- Where an extension of `p_original` approved at `p_now` starts
-- (decisions.rs `extension_start_at`): after the latest end among the
-- grant and its other live extensions; NULL when none lives.
CREATE FUNCTION latchkey.extension_start(p_original bigint, p_except bigint, p_now bigint) RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    original requests;
BEGIN
    SELECT * INTO original FROM requests WHERE id = p_original;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the access this request extends no longer exists' USING ERRCODE = 'no_data_found';
    END IF;
    IF original.status IN ('revoked', 'released') THEN
        PERFORM refuse('state', 'the access this request extends was ended early; ask for new access instead');
    END IF;
    IF is_permanent(original) THEN
        PERFORM refuse('state', 'permanent access has no end to extend');
    END IF;
    RETURN (SELECT max(least(x.grant_end_ms, coalesce(x.ended_at_ms, x.grant_end_ms)))
            FROM requests x
            WHERE (x.id = p_original OR (x.extends_request_id = p_original AND x.id <> p_except))
              AND is_live_phase(request_phase(x, p_now)));
END
$$;

-- A request with its approvals (in the order given) and, for an entry
-- request, the entries it covers: what every read returns.
CREATE VIEW latchkey.request_view AS
SELECT r.*,
       coalesce(a.approver_ids, '{}') AS approval_approvers,
       coalesce(a.approved_at, '{}') AS approval_times,
       coalesce(a.messages, '{}') AS approval_messages,
       coalesce(c.entries, '{}') AS covered
FROM latchkey.requests r
LEFT JOIN LATERAL (
    SELECT array_agg(x.approver_id ORDER BY x.approved_at_ms, x.approver_id) AS approver_ids,
           array_agg(x.approved_at_ms ORDER BY x.approved_at_ms, x.approver_id) AS approved_at,
           array_agg(x.message ORDER BY x.approved_at_ms, x.approver_id) AS messages
    FROM latchkey.approvals x WHERE x.request_id = r.id) a ON true
LEFT JOIN LATERAL (
    SELECT array_agg(e.entry_id ORDER BY e.entry_id) AS entries
    FROM latchkey.request_entries e WHERE e.request_id = r.id) c ON true;

-- The API.

-- A new request (R-REQ-3/4/9/11/12), a direct grant (R-ADM-3) or emergency
-- access (R-BEY-5). Who: the requester is the caller, except a direct grant,
-- which an administrator gives to a member of the entry's vault (not to
-- themselves or another administrator). What is checked, at the server's
-- instant, as request_access_op / direct_grant_op / break_glass_op check it:
-- temporary access enabled (not for a direct grant); the target exists and
-- its kind is right; the requester is a member of the vault (or an
-- administrator), or, to join, a non-member, non-administrator of a vault
-- that takes joins; the permission set; the window within the vault's limit
-- (the emergency limit and the workspace's for break glass); the chosen
-- approver (an active approver of the vault, not the requester); the
-- message; no same request pending; an extension extends the caller's own
-- active access to the same target; break glass is allowed in the vault,
-- has a reason, is on an item, and does not chain an unreviewed emergency.
-- Stored: created and pending until at the server's instant; a direct grant
-- or break glass approved on the spot by the caller, its window from the
-- server's instant. Covered entries: the entry and its dependencies, as the
-- server reads them.
CREATE FUNCTION latchkey_api.insert_request(
    p_kind text, p_requester bigint, p_target text, p_joins boolean,
    p_entry bigint, p_vault bigint, p_approver bigint, p_extends bigint,
    p_set bigint, p_mins bigint, p_start bigint, p_end bigint,
    p_message text, p_start_on_first_use boolean
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    now_at bigint := now_ms();
    s jsonb := settings_json();
    v vaults;
    e entries;
    requester users;
    approver users;
    original requests;
    r requests;
    set_name text;
    is_join boolean := coalesce(p_joins, false);
    message text := coalesce(p_message, '');
BEGIN
    IF p_kind NOT IN ('standard', 'extension', 'direct_grant', 'break_glass') THEN
        PERFORM refuse('invalid', 'unknown kind of request');
    END IF;
    IF p_kind = 'direct_grant' THEN
        IF NOT me.is_admin THEN
            PERFORM refuse('denied', 'only an administrator can grant access directly');
        END IF;
    ELSIF p_requester IS DISTINCT FROM me.id THEN
        PERFORM refuse('denied', 'you can only ask for access for yourself');
    END IF;
    SELECT * INTO requester FROM users WHERE id = p_requester AND removed_at_ms IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such user' USING ERRCODE = 'no_data_found';
    END IF;
    -- One request of a person at a time: the same-pending and chaining
    -- checks below hold until this transaction ends.
    PERFORM pg_advisory_xact_lock(1953719668, requester.id::integer);

    -- The target, its vault (held against a concurrent policy change).
    SELECT * INTO v FROM vaults WHERE id = p_vault FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the vault no longer exists' USING ERRCODE = 'no_data_found';
    END IF;
    IF p_target IN ('entry', 'folder') THEN
        SELECT * INTO e FROM entries WHERE id = p_entry AND deleted_at_ms IS NULL FOR SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'the entry no longer exists' USING ERRCODE = 'no_data_found';
        END IF;
        IF e.vault_id <> v.id OR is_join THEN
            PERFORM refuse('invalid', 'the entry is not in this vault', 'entry');
        END IF;
        IF p_kind IN ('standard', 'extension') AND (p_target = 'folder') <> (e.kind = 'folder') THEN
            PERFORM refuse('invalid', 'a folder is asked for as a folder, an item as an entry', 'entry');
        END IF;
        IF p_kind IN ('direct_grant', 'break_glass') AND p_target <> 'entry' THEN
            PERFORM refuse('invalid', 'this access is given on one entry', 'entry');
        END IF;
    ELSIF p_target = 'vault' THEN
        IF p_entry IS NOT NULL OR p_kind NOT IN ('standard', 'extension') THEN
            PERFORM refuse('invalid', 'this access is given on one entry', 'entry');
        END IF;
    ELSE
        PERFORM refuse('invalid', 'unknown target of a request', 'entry');
    END IF;
    PERFORM check_permission_set(p_set);
    PERFORM check_message(message);

    r.kind := p_kind;
    r.requester_id := requester.id;
    r.target := p_target;
    r.entry_id := p_entry;
    r.vault_id := v.id;
    r.requested_set_id := p_set;
    r.requested_duration_mins := p_mins;
    r.requested_start_ms := p_start;
    r.requested_end_ms := p_end;
    r.message := message;
    r.start_on_first_use := coalesce(p_start_on_first_use, false);
    r.created_at_ms := now_at;
    r.pending_until_ms := now_at + setting_int(s, 'pending_ttl_mins', 1440) * 60000;
    r.status := 'pending';
    r.decision_message := '';
    r.closing_note := '';
    r.needs_review := false;
    r.expiring_soon_notified := false;
    r.expiry_recorded := false;
    r.joins := is_join;

    IF p_kind IN ('standard', 'extension') THEN
        IF NOT setting_bool(s, 'temporary_access_enabled', false) THEN
            PERFORM refuse('invalid', 'temporary access is disabled in this workspace');
        END IF;
        IF (p_kind = 'extension') <> (p_extends IS NOT NULL) THEN
            PERFORM refuse('invalid', 'an extension names the access it extends', 'entry');
        END IF;
        IF is_join THEN
            IF me.is_admin THEN
                PERFORM refuse('invalid', 'administrators see every vault; there is nothing to join', 'entry');
            ELSIF is_member(me.id, v.id, now_at) THEN
                PERFORM refuse('invalid', 'you are already a member of this vault; ask for access to the vault instead', 'entry');
            ELSIF NOT v.visible_to_non_members THEN
                PERFORM refuse('invalid', 'this vault does not take requests to join', 'entry');
            END IF;
            IF r.start_on_first_use THEN
                PERFORM refuse('invalid', 'membership starts when approved or at a chosen time, not on first use', 'start');
            END IF;
            IF p_extends IS NOT NULL THEN
                PERFORM refuse('invalid', 'ask to join again rather than extending a membership', 'entry');
            END IF;
        ELSIF NOT me.is_admin AND NOT is_member(me.id, v.id, now_at) THEN
            PERFORM refuse('invalid', 'you are not a member of this vault', 'entry');
        END IF;
        PERFORM check_window(s, v, p_mins, p_start, p_end, now_at, true, false);
        IF r.start_on_first_use AND p_mins IS NULL THEN
            PERFORM refuse('invalid', 'start on first use works with a duration, not a custom time frame or permanent access', 'start');
        END IF;
        IF p_extends IS NOT NULL THEN
            IF p_mins IS NULL AND p_start IS NULL AND p_end IS NULL THEN
                PERFORM refuse('invalid', 'an extension adds time; ask for permanent access in a new request', 'duration');
            END IF;
            SELECT * INTO original FROM requests WHERE id = p_extends FOR SHARE;
            IF NOT FOUND OR original.requester_id <> me.id OR original.target <> p_target
               OR original.entry_id IS DISTINCT FROM p_entry OR original.vault_id <> v.id
               OR original.joins <> is_join THEN
                PERFORM refuse('denied', 'you can only extend your own access to this entry');
            END IF;
            IF request_phase(original, now_at) <> 'active' THEN
                PERFORM refuse('state', 'only active access can be extended');
            END IF;
        END IF;
        IF p_approver IS NULL THEN
            PERFORM refuse('invalid', 'choose an approver', 'approver');
        ELSIF p_approver = me.id THEN
            PERFORM refuse('invalid', 'you cannot approve your own request; choose someone else', 'approver');
        END IF;
        SELECT * INTO approver FROM users WHERE id = p_approver AND removed_at_ms IS NULL;
        IF NOT FOUND THEN
            PERFORM refuse('invalid', 'the chosen approver does not exist', 'approver');
        ELSIF NOT approver.is_active THEN
            PERFORM refuse('invalid', format('%s is inactive; choose another approver', approver.display_name), 'approver');
        ELSIF NOT (approver.is_admin OR is_approver(approver.id, v.id)) THEN
            PERFORM refuse('invalid', format('%s is not an approver of this vault', approver.display_name), 'approver');
        END IF;
        IF setting_bool(s, 'message_required', false) AND btrim(message) = '' THEN
            PERFORM refuse('invalid', 'this workspace requires a message explaining why you need access', 'message');
        END IF;
        IF EXISTS (SELECT 1 FROM requests x
                   WHERE x.status = 'pending' AND x.requester_id = me.id
                     AND x.entry_id IS NOT DISTINCT FROM p_entry AND x.target = p_target
                     AND x.joins = is_join AND x.vault_id = v.id
                     AND x.requested_set_id = p_set AND x.pending_until_ms > now_at) THEN
            SELECT name INTO set_name FROM permission_sets WHERE id = p_set;
            PERFORM refuse('invalid', format('you already have a pending request for %s on this entry; cancel it or wait for the decision', set_name), 'permission_set');
        END IF;
        r.approver_id := p_approver;
        r.extends_request_id := p_extends;
    ELSE
        IF p_extends IS NOT NULL OR r.start_on_first_use OR is_join THEN
            PERFORM refuse('invalid', 'this access starts at once and extends nothing', 'start');
        END IF;
        IF p_kind = 'direct_grant' THEN
            IF requester.id = me.id OR requester.is_admin THEN
                PERFORM refuse('invalid', 'administrators already have full access', 'approver');
            ELSIF NOT requester.is_active THEN
                PERFORM refuse('invalid', format('%s is inactive', requester.display_name), 'approver');
            ELSIF NOT is_member(requester.id, v.id, now_at) THEN
                PERFORM refuse('invalid', format('%s is not a member of this vault', requester.display_name), 'approver');
            END IF;
            IF p_mins IS NULL AND p_start IS NULL AND p_end IS NULL THEN
                PERFORM refuse('invalid', 'permanent access is given as a standing permission, not a direct grant', 'duration');
            END IF;
            PERFORM check_window(s, v, p_mins, p_start, p_end, now_at, false, false);
        ELSE
            IF NOT v.break_glass_allowed THEN
                PERFORM refuse('invalid', 'this vault does not allow emergency access');
            END IF;
            IF e.kind = 'folder' THEN
                PERFORM refuse('invalid', 'emergency access is taken on an item, not a folder', 'entry');
            END IF;
            IF NOT is_member(me.id, v.id, now_at) THEN
                PERFORM refuse('invalid', 'you are not a member of this vault', 'entry');
            END IF;
            IF p_mins IS NULL OR p_start IS NOT NULL OR p_end IS NOT NULL OR p_mins <= 0 THEN
                PERFORM refuse('invalid', 'choose a duration longer than zero', 'duration');
            ELSIF p_mins > v.emergency_limit_mins THEN
                PERFORM refuse('invalid', format('emergency access in this vault lasts at most %s', human_mins(v.emergency_limit_mins)), 'duration');
            END IF;
            IF btrim(message) = '' THEN
                PERFORM refuse('invalid', 'emergency access needs a reason', 'message');
            END IF;
            IF NOT setting_bool(s, 'temporary_access_enabled', false) THEN
                PERFORM refuse('invalid', 'temporary access is disabled in this workspace, emergency access included');
            END IF;
            PERFORM check_window(s, v, p_mins, NULL, NULL, now_at, false, true);
            IF EXISTS (SELECT 1 FROM requests x
                       WHERE x.needs_review AND x.requester_id = me.id AND x.kind = 'break_glass'
                         AND (x.entry_id = p_entry
                              OR x.entry_id IN (SELECT d.depends_on_id FROM entry_dependencies d WHERE d.entry_id = p_entry)
                              OR EXISTS (SELECT 1 FROM request_entries c WHERE c.request_id = x.id AND c.entry_id = p_entry))) THEN
                PERFORM refuse('denied', 'emergency access cannot be chained: your emergency access to this entry has not been reviewed yet; an approver must review it before you take emergency access to it again');
            END IF;
            r.needs_review := true;
        END IF;
        -- Approved on the spot by the caller (immediate_grant).
        r.approver_id := me.id;
        r.status := 'approved';
        r.decided_by := me.id;
        r.decided_at_ms := now_at;
        r.decision_message := message;
        r := set_grant_window(r, s, NULL, now_at);
    END IF;

    r.id := nextval(pg_get_serial_sequence('latchkey.requests', 'id'));
    INSERT INTO requests VALUES (r.*);
    IF p_target = 'entry' THEN
        INSERT INTO request_entries (entry_id, request_id)
        SELECT p_entry, r.id
        UNION SELECT d.depends_on_id, r.id FROM entry_dependencies d WHERE d.entry_id = p_entry;
    END IF;
    IF r.status = 'approved' THEN
        INSERT INTO approvals (request_id, approver_id, approved_at_ms, message)
        VALUES (r.id, me.id, now_at, message);
    END IF;
    RETURN r.id;
END
$$;

-- Stores a change of request `p_id`, given as the whole new state of what
-- may change. The stored row is locked; the change must be exactly one of
-- these, checked at the server's instant (decisions.rs, time.rs):
-- * approve: an active approver of the vault or administrator, not the
--   requester, who has not approved yet, adds their own approval to a
--   request still pending (not past its pending time) of an active
--   requester; the first approval sets the terms (within the vault's
--   limit), later ones approve the same; the request is approved when the
--   approvals of people who still count reach the vault's quorum, its
--   window fixed from the server's instant;
-- * deny: same deciders, pending request;
-- * cancel: the requester, pending request; or an administrator
--   withdrawing access (cancel, or lapse for a disabled account);
-- * revoke: the requester, an approver of the vault or an administrator,
--   live grant; release: the requester, active grant;
-- * first use: the requester starts a grant waiting for first use;
-- * review: an approver of the vault or administrator, not the requester,
--   marks an emergency grant reviewed;
-- * what time did (anyone): a pending request or unused first-use grant
--   lapses once past its time; the expiring-soon and expiry marks once
--   their instants came.
-- Anything else (another requester, entry, terms or window, a decision
-- undone, someone else's approval) is refused. The first writer wins: the
-- second finds the request decided and is refused as the service refuses.
CREATE FUNCTION latchkey_api.update_request(
    p_id bigint,
    p_authorized_set bigint, p_authorized_mins bigint, p_authorized_start bigint, p_authorized_end bigint,
    p_status text, p_decided_by bigint, p_decided_at bigint, p_decision_message text,
    p_grant_start bigint, p_grant_end bigint, p_claim_by bigint,
    p_ended_by bigint, p_ended_at bigint, p_closing_note text,
    p_needs_review boolean, p_reviewed_by bigint, p_reviewed_at bigint,
    p_expiring_soon_notified boolean, p_expiry_recorded boolean,
    p_approvers bigint[], p_approval_messages text[]
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    now_at bigint := now_ms();
    s jsonb := settings_json();
    old requests;
    r requests;
    v vaults;
    requester users;
    visible boolean;
    stored bigint[];
    added bigint[];
    approval_message text;
    counted integer;
    lead_ms bigint;
    phase text;
    -- Instants the server sets for this transition (the client's are ignored).
    sets_decided_at boolean := false;
    sets_ended_at boolean := false;
    sets_window boolean := false;
    sets_reviewed_at boolean := false;
    -- Whether the change is one of the transitions below.
    matched boolean := true;
BEGIN
    SELECT * INTO old FROM requests WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this request no longer exists' USING ERRCODE = 'no_data_found';
    END IF;
    visible := may_see_request(me, old.requester_id, old.approver_id, old.decided_by, old.vault_id);
    SELECT * INTO v FROM vaults WHERE id = old.vault_id;
    stored := ARRAY(SELECT approver_id FROM approvals WHERE request_id = p_id ORDER BY approver_id);
    added := ARRAY(SELECT DISTINCT a FROM unnest(coalesce(p_approvers, '{}')) a
                   WHERE a IS NOT NULL AND a <> ALL (stored) ORDER BY a);
    r := old;

    IF old.status = 'pending' AND p_status IN ('pending', 'approved') THEN
        -- Approve (check_can_decide, approve).
        IF NOT visible THEN
            RAISE EXCEPTION 'this request no longer exists' USING ERRCODE = 'no_data_found';
        END IF;
        PERFORM ensure_pending(old, now_at);
        IF me.id = old.requester_id THEN
            PERFORM refuse('denied', 'you cannot decide your own request');
        ELSIF NOT decides_for(me.id, old.vault_id) THEN
            PERFORM refuse('denied', 'you are not an approver of this vault');
        ELSIF me.id = ANY (stored) THEN
            PERFORM refuse('state', 'you have already approved this request; it is waiting for other approvers');
        ELSIF added IS DISTINCT FROM ARRAY[me.id] THEN
            PERFORM refuse('denied', 'you can only give your own approval');
        END IF;
        SELECT * INTO requester FROM users WHERE id = old.requester_id;
        IF NOT requester.is_active OR requester.removed_at_ms IS NOT NULL THEN
            PERFORM refuse('denied', format('%s''s account is disabled', requester.display_name));
        END IF;
        approval_message := coalesce(
            (SELECT m FROM unnest(p_approvers, p_approval_messages) AS x(a, m) WHERE x.a = me.id LIMIT 1), '');
        PERFORM check_message(approval_message);
        IF p_authorized_set IS NULL THEN
            PERFORM refuse('invalid', 'choose a permission set', 'permission_set');
        END IF;
        IF cardinality(stored) > 0
           AND (p_authorized_set, p_authorized_mins, p_authorized_start, p_authorized_end)
               IS DISTINCT FROM (old.authorized_set_id, old.authorized_duration_mins, old.authorized_start_ms, old.authorized_end_ms) THEN
            PERFORM refuse('invalid', format('%s set the terms; with several approvers the first approval sets the terms: approve them as they are or deny',
                                             name_of((SELECT approver_id FROM approvals WHERE request_id = p_id ORDER BY approved_at_ms, approver_id LIMIT 1))));
        END IF;
        PERFORM check_permission_set(p_authorized_set);
        PERFORM check_window(s, v, p_authorized_mins, p_authorized_start, p_authorized_end, now_at, false, false);
        IF old.start_on_first_use AND p_authorized_mins IS NULL THEN
            PERFORM refuse('invalid', 'start on first use works with a duration', 'duration');
        END IF;
        INSERT INTO approvals (request_id, approver_id, approved_at_ms, message)
        VALUES (p_id, me.id, now_at, approval_message);
        r.authorized_set_id := p_authorized_set;
        r.authorized_duration_mins := p_authorized_mins;
        r.authorized_start_ms := p_authorized_start;
        r.authorized_end_ms := p_authorized_end;
        -- R-BEY-4: earlier approvals count while their approver still decides for the vault.
        SELECT count(*) INTO counted FROM approvals a
        WHERE a.request_id = p_id AND (a.approver_id = me.id OR decides_for(a.approver_id, old.vault_id));
        IF counted >= greatest(v.required_approvals, 1) THEN
            r.status := 'approved';
            r.decided_by := me.id;
            r.decided_at_ms := now_at;
            r.decision_message := approval_message;
            r := set_grant_window(r, s,
                CASE WHEN old.extends_request_id IS NOT NULL
                     THEN extension_start(old.extends_request_id, old.id, now_at) END,
                now_at);
            sets_decided_at := true;
            sets_window := true;
        END IF;
        IF p_status IS DISTINCT FROM r.status THEN
            PERFORM refuse('state', format('the request has %s of the %s approvals it needs; look at it again',
                                           counted, greatest(v.required_approvals, 1)));
        END IF;
    ELSIF cardinality(added) > 0 THEN
        IF NOT visible THEN
            RAISE EXCEPTION 'this request no longer exists' USING ERRCODE = 'no_data_found';
        END IF;
        PERFORM ensure_pending(old, now_at);
        PERFORM refuse('denied', 'an approval is given only by approving a pending request');
    ELSIF old.status = 'pending' AND p_status = 'denied' THEN
        -- Deny (check_can_deny, deny): an approver who approved may still deny.
        IF NOT visible THEN
            RAISE EXCEPTION 'this request no longer exists' USING ERRCODE = 'no_data_found';
        END IF;
        PERFORM ensure_pending(old, now_at);
        IF me.id = old.requester_id THEN
            PERFORM refuse('denied', 'you cannot decide your own request');
        ELSIF NOT decides_for(me.id, old.vault_id) THEN
            PERFORM refuse('denied', 'you are not an approver of this vault');
        END IF;
        PERFORM check_message(p_decision_message);
        r.status := 'denied';
        r.decided_by := me.id;
        r.decided_at_ms := now_at;
        r.decision_message := coalesce(p_decision_message, '');
        sets_decided_at := true;
    ELSIF old.status = 'pending' AND p_status = 'cancelled' THEN
        -- The requester cancels (cancel), or an administrator withdraws
        -- access (end_for_withdrawal), while it is pending.
        IF NOT visible THEN
            RAISE EXCEPTION 'this request no longer exists' USING ERRCODE = 'no_data_found';
        END IF;
        IF me.id <> old.requester_id AND NOT me.is_admin THEN
            PERFORM refuse('denied', 'only the requester can cancel a request');
        END IF;
        PERFORM ensure_pending(old, now_at);
        r.status := 'cancelled';
        r.ended_by := me.id;
        r.ended_at_ms := now_at;
        IF me.is_admin THEN
            PERFORM check_message(p_closing_note);
            r.closing_note := coalesce(p_closing_note, '');
        END IF;
        sets_ended_at := true;
    ELSIF old.status = 'pending' AND p_status = 'lapsed' THEN
        IF now_at >= old.pending_until_ms THEN
            -- Time: past its pending time (advance); anyone records it.
            r.status := 'lapsed';
            r.ended_at_ms := old.pending_until_ms;
        ELSIF visible AND me.is_admin THEN
            -- An administrator disabled the requester (end_for_withdrawal).
            PERFORM check_message(p_closing_note);
            r.status := 'lapsed';
            r.ended_by := me.id;
            r.ended_at_ms := now_at;
            r.closing_note := coalesce(p_closing_note, '');
            sets_ended_at := true;
        ELSE
            PERFORM refuse('state', format('this request is pending until %s', utc_text(old.pending_until_ms)));
        END IF;
    ELSIF old.status = 'approved' AND p_status = 'revoked' THEN
        -- Revoke (revoke, end_with_extended, end_for_withdrawal).
        IF NOT visible THEN
            RAISE EXCEPTION 'this request no longer exists' USING ERRCODE = 'no_data_found';
        END IF;
        IF me.id <> old.requester_id AND NOT decides_for(me.id, old.vault_id) THEN
            PERFORM refuse('denied', 'only the requester, an approver or an administrator can revoke access');
        END IF;
        PERFORM check_message(p_closing_note);
        PERFORM ensure_live_grant(old, now_at, 'revoked');
        r.status := 'revoked';
        r.ended_by := me.id;
        r.ended_at_ms := now_at;
        r.closing_note := coalesce(p_closing_note, '');
        sets_ended_at := true;
    ELSIF old.status = 'approved' AND p_status = 'released' THEN
        -- Release (release): the requester gives active access back.
        IF NOT visible THEN
            RAISE EXCEPTION 'this request no longer exists' USING ERRCODE = 'no_data_found';
        END IF;
        IF me.id <> old.requester_id THEN
            PERFORM refuse('denied', 'only the requester can release their access');
        END IF;
        PERFORM check_message(p_closing_note);
        phase := request_phase(old, now_at);
        IF phase IN ('scheduled', 'awaiting_first_use') THEN
            PERFORM refuse('state', 'this access has not started; revoke it instead');
        ELSIF phase <> 'active' THEN
            PERFORM ensure_live_grant(old, now_at, 'released');
        END IF;
        r.status := 'released';
        r.ended_by := me.id;
        r.ended_at_ms := now_at;
        r.closing_note := coalesce(p_closing_note, '');
        sets_ended_at := true;
    ELSIF old.status = 'approved' AND p_status = 'lapsed' THEN
        -- Time: a first-use grant never used by its claim-by (advance).
        IF (old.grant_start_ms IS NOT NULL AND old.grant_end_ms IS NOT NULL)
           OR old.claim_by_ms IS NULL OR now_at < old.claim_by_ms THEN
            PERFORM refuse('state', 'this access has not lapsed');
        END IF;
        r.status := 'lapsed';
        r.ended_at_ms := old.claim_by_ms;
    ELSIF old.status = 'approved' AND p_status = 'approved'
          AND old.grant_start_ms IS NULL AND p_grant_start IS NOT NULL THEN
        -- First use (claim_first_use): the requester starts the clock.
        IF NOT visible OR me.id <> old.requester_id THEN
            PERFORM refuse('denied', 'only the requester starts their access by using it');
        END IF;
        IF request_phase(old, now_at) <> 'awaiting_first_use' OR old.authorized_duration_mins IS NULL THEN
            PERFORM refuse('state', 'this access is not waiting for its first use');
        END IF;
        r.grant_start_ms := now_at;
        r.grant_end_ms := now_at + old.authorized_duration_mins * 60000;
        sets_window := true;
    ELSIF p_status = old.status AND old.needs_review AND p_needs_review IS FALSE THEN
        -- Review of emergency access (mark_reviewed), in any state.
        IF NOT visible OR NOT decides_for(me.id, old.vault_id) THEN
            PERFORM refuse('denied', 'only an approver of this vault or an administrator can review emergency access');
        ELSIF me.id = old.requester_id THEN
            PERFORM refuse('denied', 'nobody reviews their own emergency access');
        END IF;
        r.needs_review := false;
        r.reviewed_by := me.id;
        r.reviewed_at_ms := now_at;
        sets_reviewed_at := true;
    ELSIF old.status = 'approved' AND p_status = 'approved'
          AND ((p_expiring_soon_notified AND NOT old.expiring_soon_notified)
               OR (p_expiry_recorded AND NOT old.expiry_recorded)) THEN
        -- Time: the expiring-soon and expiry marks (advance); anyone.
        IF old.grant_start_ms IS NULL OR old.grant_end_ms IS NULL THEN
            PERFORM refuse('state', 'this access has no end');
        END IF;
        IF p_expiring_soon_notified AND NOT old.expiring_soon_notified THEN
            lead_ms := least(setting_int(s, 'expiring_soon_lead_mins', 60) * 60000,
                             (old.grant_end_ms - old.grant_start_ms) / 4);
            IF now_at < old.grant_end_ms - lead_ms THEN
                PERFORM refuse('state', 'this access is not ending soon yet');
            END IF;
            r.expiring_soon_notified := true;
        END IF;
        IF p_expiry_recorded AND NOT old.expiry_recorded THEN
            IF now_at < old.grant_end_ms THEN
                PERFORM refuse('state', format('this access runs until %s', utc_text(old.grant_end_ms)));
            END IF;
            r.expiry_recorded := true;
        END IF;
    ELSE
        matched := false;
    END IF;

    -- Whatever the transition, nothing else may change.
    IF NOT matched
       OR (p_authorized_set, p_authorized_mins, p_authorized_start, p_authorized_end)
           IS DISTINCT FROM (r.authorized_set_id, r.authorized_duration_mins, r.authorized_start_ms, r.authorized_end_ms)
       OR p_status IS DISTINCT FROM r.status
       OR p_decided_by IS DISTINCT FROM r.decided_by
       OR (NOT sets_decided_at AND p_decided_at IS DISTINCT FROM r.decided_at_ms)
       OR coalesce(p_decision_message, '') IS DISTINCT FROM r.decision_message
       OR (NOT sets_window AND (p_grant_start, p_grant_end, p_claim_by)
               IS DISTINCT FROM (r.grant_start_ms, r.grant_end_ms, r.claim_by_ms))
       OR p_ended_by IS DISTINCT FROM r.ended_by
       OR (NOT sets_ended_at AND p_ended_at IS DISTINCT FROM r.ended_at_ms)
       OR coalesce(p_closing_note, '') IS DISTINCT FROM r.closing_note
       OR p_needs_review IS DISTINCT FROM r.needs_review
       OR p_reviewed_by IS DISTINCT FROM r.reviewed_by
       OR (NOT sets_reviewed_at AND p_reviewed_at IS DISTINCT FROM r.reviewed_at_ms)
       OR p_expiring_soon_notified IS DISTINCT FROM r.expiring_soon_notified
       OR p_expiry_recorded IS DISTINCT FROM r.expiry_recorded THEN
        IF NOT visible THEN
            RAISE EXCEPTION 'this request no longer exists' USING ERRCODE = 'no_data_found';
        END IF;
        -- A decision or an end that came first (or the caller's own
        -- approval given again): say so, as the service does.
        IF p_status IS DISTINCT FROM old.status OR me.id = ANY (coalesce(p_approvers, '{}')) THEN
            PERFORM ensure_pending(old, now_at);
        END IF;
        PERFORM refuse('denied', 'this change to the request is not allowed');
    END IF;

    UPDATE requests SET
        authorized_set_id = r.authorized_set_id,
        authorized_duration_mins = r.authorized_duration_mins,
        authorized_start_ms = r.authorized_start_ms,
        authorized_end_ms = r.authorized_end_ms,
        status = r.status,
        decided_by = r.decided_by,
        decided_at_ms = r.decided_at_ms,
        decision_message = r.decision_message,
        grant_start_ms = r.grant_start_ms,
        grant_end_ms = r.grant_end_ms,
        claim_by_ms = r.claim_by_ms,
        ended_by = r.ended_by,
        ended_at_ms = r.ended_at_ms,
        closing_note = r.closing_note,
        needs_review = r.needs_review,
        reviewed_by = r.reviewed_by,
        reviewed_at_ms = r.reviewed_at_ms,
        expiring_soon_notified = r.expiring_soon_notified,
        expiry_recorded = r.expiry_recorded
    WHERE id = p_id;
END
$$;

-- One request, if the caller may see it. In a read-write transaction its
-- row is locked, so the service's read-decide-write is serialised with any
-- other writer of it (the second reads the first's decision).
CREATE FUNCTION latchkey_api.request(p_id bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    IF current_setting('transaction_read_only') = 'off' THEN
        PERFORM 1 FROM requests r
        WHERE r.id = p_id AND may_see_request(me, r.requester_id, r.approver_id, r.decided_by, r.vault_id)
        FOR UPDATE;
    END IF;
    RETURN QUERY SELECT * FROM request_view v WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.id = p_id;
END
$$;

-- The entries an entry request covers, if the caller may see it.
CREATE FUNCTION latchkey_api.covered_entries(p_id bigint) RETURNS SETOF bigint
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT unnest(v.covered) FROM request_view v WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.id = p_id;
END
$$;

-- Visible pending requests naming or covering an entry.
CREATE FUNCTION latchkey_api.pending_requests_naming(p_entry bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT * FROM request_view v
    WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.status = 'pending'
      AND v.id IN (SELECT q.id FROM requests q WHERE q.entry_id = p_entry AND q.status = 'pending'
                   UNION SELECT re.request_id FROM request_entries re WHERE re.entry_id = p_entry)
    ORDER BY v.id;
END
$$;

-- Visible approved entry grants of a user covering an entry.
CREATE FUNCTION latchkey_api.approved_grants_covering(p_user bigint, p_entry bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT * FROM request_view v
    WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.requester_id = p_user AND v.status = 'approved'
      -- Found from the entry's index, not from all of the user's requests.
      AND v.id IN (SELECT re.request_id FROM request_entries re WHERE re.entry_id = p_entry)
    ORDER BY v.id;
END
$$;

-- Visible approved folder and vault grants of a user in a vault.
CREATE FUNCTION latchkey_api.approved_scoped_grants(p_user bigint, p_vault bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT * FROM request_view v
    WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.requester_id = p_user AND v.vault_id = p_vault AND v.status = 'approved' AND v.target <> 'entry'
    ORDER BY v.id;
END
$$;

-- Whether a user has a visible request pending (at the server's instant)
-- on this target with this set.
CREATE FUNCTION latchkey_api.has_pending(
    p_user bigint, p_entry bigint, p_target text, p_joins boolean, p_vault bigint, p_set bigint
) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    now_at bigint := now_ms();
BEGIN
    RETURN EXISTS (SELECT 1 FROM requests v
                   WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.status = 'pending' AND v.requester_id = p_user
                     AND v.entry_id IS NOT DISTINCT FROM p_entry AND v.target = p_target
                     AND v.joins = p_joins AND (p_vault IS NULL OR v.vault_id = p_vault)
                     AND v.requested_set_id = p_set AND v.pending_until_ms > now_at);
END
$$;

-- The caller's own approver queue: pending requests (at the server's
-- instant) of vaults they approve (every vault for an administrator), not
-- theirs, not approved by them yet. Only for the caller.
CREATE FUNCTION latchkey.approver_queue(p_me latchkey.users, p_approver bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    now_at bigint := now_ms();
BEGIN
    IF p_approver IS DISTINCT FROM p_me.id THEN
        PERFORM refuse('denied', 'you can only see your own requests to decide');
    END IF;
    RETURN QUERY SELECT * FROM request_view v
    WHERE v.status = 'pending' AND v.pending_until_ms > now_at AND v.requester_id <> p_me.id
      AND (p_me.is_admin OR is_approver(p_me.id, v.vault_id))
      AND NOT (p_me.id = ANY (v.approval_approvers));
END
$$;

CREATE FUNCTION latchkey_api.pending_for_approver(p_approver bigint, p_limit bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT * FROM approver_queue(me, p_approver) v
    ORDER BY v.created_at_ms DESC, v.id DESC LIMIT p_limit;
END
$$;

CREATE FUNCTION latchkey_api.count_pending_for_approver(p_approver bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN (SELECT count(*) FROM approver_queue(me, p_approver));
END
$$;

-- A user's visible requests, newest first.
CREATE FUNCTION latchkey_api.requests_of(p_requester bigint, p_limit bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT * FROM request_view v WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.requester_id = p_requester
    ORDER BY v.created_at_ms DESC, v.id DESC LIMIT p_limit;
END
$$;

-- A user's visible pending and approved requests.
CREATE FUNCTION latchkey_api.open_requests_of(p_requester bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT * FROM request_view v
    WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.requester_id = p_requester AND v.status IN ('pending', 'approved') ORDER BY v.id;
END
$$;

-- Every request the caller may see (the requests window). Only the caller's.
CREATE FUNCTION latchkey_api.requests_visible_to(p_user bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    IF p_user IS DISTINCT FROM me.id THEN
        PERFORM refuse('denied', 'you can only list the requests you may see yourself');
    END IF;
    RETURN QUERY SELECT * FROM request_view v WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) ORDER BY v.id;
END
$$;

-- The visible extensions of a grant.
CREATE FUNCTION latchkey_api.extensions_of(p_id bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT * FROM request_view v WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.extends_request_id = p_id ORDER BY v.id;
END
$$;

-- A user's visible requests naming an entry, newest first.
CREATE FUNCTION latchkey_api.requests_on_entry(p_requester bigint, p_entry bigint, p_limit bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT * FROM request_view v
    WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.requester_id = p_requester AND v.entry_id = p_entry
    ORDER BY v.created_at_ms DESC, v.id DESC LIMIT p_limit;
END
$$;

-- A user's visible pending and approved requests in a vault.
CREATE FUNCTION latchkey_api.open_requests_in_vault(p_user bigint, p_vault bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT * FROM request_view v
    WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.requester_id = p_user AND v.vault_id = p_vault AND v.status IN ('pending', 'approved')
    ORDER BY v.id;
END
$$;

-- A user's visible approved grants in a vault (with what each covers).
CREATE FUNCTION latchkey_api.approved_grants_in_vault(p_user bigint, p_vault bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT * FROM request_view v
    WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.requester_id = p_user AND v.vault_id = p_vault AND v.status = 'approved'
    ORDER BY v.id;
END
$$;

-- Visible requests time has something to do with at the server's instant:
-- pending past their time, first-use grants past their claim-by, grants
-- ended or due their expiring-soon notice (`p_lead_ms` before the end, at
-- most a quarter of the grant's length).
CREATE FUNCTION latchkey_api.requests_due(p_lead_ms bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    now_at bigint := now_ms();
BEGIN
    RETURN QUERY SELECT * FROM request_view v
    WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND ((v.status = 'pending' AND v.pending_until_ms <= now_at)
       OR (v.status = 'approved' AND v.grant_end_ms IS NULL AND v.claim_by_ms <= now_at)
       OR (v.status = 'approved' AND NOT v.expiry_recorded AND v.grant_end_ms IS NOT NULL
           AND (v.grant_end_ms <= now_at
                OR (NOT v.expiring_soon_notified
                    AND v.grant_end_ms - least(p_lead_ms, (v.grant_end_ms - v.grant_start_ms) / 4) <= now_at))))
    ORDER BY v.id;
END
$$;

-- The next instant after the server's at which `requests_due` finds one of
-- the caller's visible requests.
CREATE FUNCTION latchkey_api.next_due_at(p_lead_ms bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    now_at bigint := now_ms();
BEGIN
    RETURN (SELECT min(t) FROM (
        SELECT CASE
            WHEN v.status = 'pending' AND v.pending_until_ms > now_at THEN v.pending_until_ms
            WHEN v.status = 'approved' AND v.grant_end_ms IS NULL AND v.claim_by_ms > now_at THEN v.claim_by_ms
        END AS t
        FROM requests v WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id)
        UNION ALL
        SELECT CASE WHEN soon > now_at THEN soon END FROM (
            SELECT v.grant_end_ms - least(p_lead_ms, (v.grant_end_ms - v.grant_start_ms) / 4) AS soon
            FROM requests v
            WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.status = 'approved' AND NOT v.expiry_recorded AND NOT v.expiring_soon_notified
              AND v.grant_end_ms > now_at) x
        UNION ALL
        SELECT v.grant_end_ms FROM requests v
        WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.status = 'approved' AND NOT v.expiry_recorded AND v.grant_end_ms > now_at) due);
END
$$;

-- Visible emergency grants waiting for review.
CREATE FUNCTION latchkey_api.grants_needing_review() RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT * FROM request_view v WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.needs_review ORDER BY v.id;
END
$$;

-- Visible requests per stored status.
CREATE FUNCTION latchkey_api.request_counts() RETURNS TABLE (status text, n bigint)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT v.status, count(*) FROM requests v WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) GROUP BY v.status ORDER BY v.status;
END
$$;

-- Visible approved requests to join a vault.
CREATE FUNCTION latchkey_api.joins_in_vault(p_vault bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT * FROM request_view v
    WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.vault_id = p_vault AND v.joins AND v.status = 'approved' ORDER BY v.id;
END
$$;

-- A user's visible pending and approved requests to join (one vault, or all).
CREATE FUNCTION latchkey_api.open_joins(p_user bigint, p_vault bigint) RETURNS SETOF latchkey.request_view
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT * FROM request_view v
    WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND v.requester_id = p_user AND v.joins AND v.status IN ('pending', 'approved')
      AND (p_vault IS NULL OR v.vault_id = p_vault)
    ORDER BY v.id;
END
$$;

-- How many visible requests pending or live at the server's instant use a
-- permission set (asked for or authorized).
CREATE FUNCTION latchkey_api.open_requests_of_set(p_set bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    now_at bigint := now_ms();
BEGIN
    RETURN (SELECT count(*) FROM requests v
            WHERE may_see_request(me, v.requester_id, v.approver_id, v.decided_by, v.vault_id) AND (v.requested_set_id = p_set OR v.authorized_set_id = p_set)
              AND ((v.status = 'pending' AND v.pending_until_ms > now_at)
                OR (v.status = 'approved' AND (v.grant_end_ms > now_at
                    OR (v.grant_end_ms IS NULL AND v.claim_by_ms > now_at)))));
END
$$;

RESET ROLE;
