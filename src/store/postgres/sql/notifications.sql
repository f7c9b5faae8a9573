-- Notifications (R-NOT-1, R-NOT-2, R-BEY-7), and the signal of every change
-- for live updates (R-DATA-2), kept by the server (R-BEY-10).
--
-- Every function acts on the caller's own notifications and preferences
-- only: a user id other than the caller's is refused (a window always
-- passes its own), and another user's notification id changes nothing and
-- is answered like one that does not exist (service/notifications.rs).

SET LOCAL ROLE latchkey_owner;

-- The facts' variant (serde's name, service side) each kind is stored with.
CREATE FUNCTION latchkey.notification_variant(p_kind text) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE p_kind
        WHEN 'request_submitted' THEN 'RequestSubmitted'
        WHEN 'break_glass_used' THEN 'BreakGlassUsed'
        WHEN 'approved' THEN 'Approved'
        WHEN 'denied' THEN 'Denied'
        WHEN 'expiring_soon' THEN 'ExpiringSoon'
        WHEN 'expired' THEN 'Expired'
        WHEN 'revoked' THEN 'Revoked'
        WHEN 'lapsed' THEN 'Lapsed'
        WHEN 'direct_grant' THEN 'DirectGrant'
    END
$$;

-- The caller, who must be the user a notification function was asked about.
CREATE FUNCTION latchkey.notification_owner(p_user bigint) RETURNS latchkey.users
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    IF p_user IS DISTINCT FROM me.id THEN
        RAISE EXCEPTION 'you can only see and change your own notifications'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN me;
END
$$;

-- The columns a stored notification is read with (store/sqlite/rows.rs
-- NOTIFICATION_COLUMNS), for the caller's rows.
CREATE TYPE latchkey.notification_row AS (
    id bigint, user_id bigint, kind text, request_id bigint, title text, body text,
    created_at_ms bigint, read_at_ms bigint, shown_at_ms bigint, handled_note text,
    facts text, handled text, desktop_id bigint, handled_shown_at_ms bigint
);


-- The API.

-- Stores a notification about `p_request` for `p_user`, written now by the
-- server's clock, when what the request says calls for it and the caller
-- is the one whose act writes it (service/requests.rs `send`,
-- `submission_recipients`; service/tick.rs; service/vault_admin.rs):
-- * request_submitted: the caller is the requester of the pending request;
--   break_glass_used: the caller took the emergency access. The recipient is
--   not the requester, and is an administrator, the approver the requester
--   chose, or an approver of the request's vault.
-- * approved, denied: the caller decided the request (decided_by), which is
--   approved, denied; direct_grant: the caller is an administrator and the
--   request is a direct grant; revoked: the caller ended it (ended_by) and
--   is not the requester. The recipient is the requester.
-- * expiring_soon, expired, lapsed: the system's (any client's tick): the
--   request is approved and marked as warned, its expiry is recorded, it
--   lapsed. The recipient is the requester.
-- Each kind is written once per request and recipient; the facts are a JSON
-- object of the kind's variant. The request row is locked, so two clients
-- writing the same notification are serialised and the second is refused.
CREATE FUNCTION latchkey_api.insert_notification(
    p_user bigint, p_request bigint, p_kind text, p_facts text
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    req requests;
    facts jsonb;
    to_requester boolean;
    allowed boolean;
    new_id bigint;
BEGIN
    IF notification_variant(p_kind) IS NULL THEN
        RAISE EXCEPTION 'this is not a kind of notification'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN
        facts := p_facts::jsonb;
    EXCEPTION WHEN others THEN
        facts := NULL;
    END;
    IF facts IS NULL OR jsonb_typeof(facts) <> 'object'
       OR (SELECT count(*) FROM jsonb_object_keys(facts)) <> 1
       OR NOT facts ? notification_variant(p_kind) THEN
        RAISE EXCEPTION 'a notification''s facts are those of its kind'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO req FROM requests WHERE id = p_request FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such request' USING ERRCODE = 'no_data_found';
    END IF;
    to_requester := p_kind NOT IN ('request_submitted', 'break_glass_used');
    IF to_requester THEN
        IF p_user IS DISTINCT FROM req.requester_id THEN
            RAISE EXCEPTION 'this notification is for the requester'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF p_user IS NULL OR p_user = req.requester_id
          OR NOT (EXISTS (SELECT 1 FROM users WHERE id = p_user AND is_admin AND is_active)
                  OR p_user IS NOT DISTINCT FROM req.approver_id
                  OR is_approver(p_user, req.vault_id)) THEN
        RAISE EXCEPTION 'a request is submitted to its approvers and the administrators'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    allowed := CASE p_kind
        WHEN 'request_submitted' THEN me.id = req.requester_id AND req.status = 'pending'
        WHEN 'break_glass_used' THEN me.id = req.requester_id AND req.kind = 'break_glass'
        WHEN 'approved' THEN req.status = 'approved' AND req.decided_by IS NOT DISTINCT FROM me.id
        WHEN 'denied' THEN req.status = 'denied' AND req.decided_by IS NOT DISTINCT FROM me.id
        WHEN 'direct_grant' THEN me.is_admin AND req.kind = 'direct_grant'
        WHEN 'revoked' THEN req.status = 'revoked' AND req.ended_by IS NOT DISTINCT FROM me.id
                            AND me.id <> req.requester_id
        WHEN 'expiring_soon' THEN req.status = 'approved' AND req.expiring_soon_notified
        WHEN 'expired' THEN req.status = 'approved' AND req.expiry_recorded
                            AND req.grant_end_ms <= now_ms()
        WHEN 'lapsed' THEN req.status = 'lapsed'
    END;
    IF NOT coalesce(allowed, false) THEN
        RAISE EXCEPTION 'this request does not call for this notification from you'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM notifications n
               WHERE n.request_id = p_request AND n.user_id = p_user AND n.kind = p_kind) THEN
        RAISE EXCEPTION 'this notification was already written'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    INSERT INTO notifications (user_id, kind, request_id, title, body, facts, created_at_ms)
    VALUES (p_user, p_kind, p_request, '', '', p_facts, now_ms())
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

-- The caller's notifications, newest first.
CREATE FUNCTION latchkey_api.notifications(p_user bigint, p_limit bigint)
RETURNS SETOF latchkey.notification_row
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := notification_owner(p_user);
BEGIN
    RETURN QUERY
        SELECT n.id, n.user_id, n.kind, n.request_id, n.title, n.body, n.created_at_ms,
               n.read_at_ms, n.shown_at_ms, n.handled_note, n.facts, n.handled,
               n.desktop_id, n.handled_shown_at_ms
        FROM notifications n WHERE n.user_id = me.id
        ORDER BY n.id DESC LIMIT greatest(p_limit, 0);
END
$$;

-- Marks one of the caller's notifications read now; false if it is not
-- theirs or was read already.
CREATE FUNCTION latchkey_api.mark_notification_read(p_id bigint, p_user bigint)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := notification_owner(p_user);
BEGIN
    UPDATE notifications SET read_at_ms = now_ms()
    WHERE id = p_id AND user_id = me.id AND read_at_ms IS NULL;
    RETURN FOUND;
END
$$;

-- Claims the right to show one of the caller's notifications on the
-- desktop: true for exactly one caller (the row lock makes a second,
-- concurrent claim see the first and change nothing) (R-NOT-2).
CREATE FUNCTION latchkey_api.claim_notification_shown(p_id bigint, p_user bigint)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := notification_owner(p_user);
BEGIN
    UPDATE notifications SET shown_at_ms = now_ms()
    WHERE id = p_id AND user_id = me.id AND shown_at_ms IS NULL;
    RETURN FOUND;
END
$$;

-- How many of the caller's notifications are unread.
CREATE FUNCTION latchkey_api.unread_notification_count(p_user bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := notification_owner(p_user);
BEGIN
    RETURN (SELECT count(*) FROM notifications WHERE user_id = me.id AND read_at_ms IS NULL);
END
$$;

-- Marks every unread notification of the caller read now; how many.
CREATE FUNCTION latchkey_api.mark_all_notifications_read(p_user bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := notification_owner(p_user);
    n bigint;
BEGIN
    UPDATE notifications SET read_at_ms = now_ms()
    WHERE user_id = me.id AND read_at_ms IS NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- The caller's notifications not yet shown on any desktop, oldest first.
CREATE FUNCTION latchkey_api.unshown_notifications(p_user bigint, p_limit bigint)
RETURNS SETOF latchkey.notification_row
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := notification_owner(p_user);
BEGIN
    RETURN QUERY
        SELECT n.id, n.user_id, n.kind, n.request_id, n.title, n.body, n.created_at_ms,
               n.read_at_ms, n.shown_at_ms, n.handled_note, n.facts, n.handled,
               n.desktop_id, n.handled_shown_at_ms
        FROM notifications n WHERE n.user_id = me.id AND n.shown_at_ms IS NULL
        ORDER BY n.id LIMIT greatest(p_limit, 0);
END
$$;

-- How many of the caller's notifications were not yet shown on a desktop.
CREATE FUNCTION latchkey_api.unshown_notification_count(p_user bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := notification_owner(p_user);
BEGIN
    RETURN (SELECT count(*) FROM notifications WHERE user_id = me.id AND shown_at_ms IS NULL);
END
$$;

-- Records the desktop notification's id on one of the caller's
-- notifications; false if it is not theirs.
CREATE FUNCTION latchkey_api.set_notification_desktop_id(
    p_id bigint, p_user bigint, p_desktop_id bigint
) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := notification_owner(p_user);
BEGIN
    UPDATE notifications SET desktop_id = p_desktop_id WHERE id = p_id AND user_id = me.id;
    RETURN FOUND;
END
$$;

-- The caller's notifications shown on the desktop whose request someone
-- else has since handled, not yet announced there, oldest first (R-BEY-7).
CREATE FUNCTION latchkey_api.handled_unannounced(p_user bigint)
RETURNS SETOF latchkey.notification_row
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := notification_owner(p_user);
BEGIN
    RETURN QUERY
        SELECT n.id, n.user_id, n.kind, n.request_id, n.title, n.body, n.created_at_ms,
               n.read_at_ms, n.shown_at_ms, n.handled_note, n.facts, n.handled,
               n.desktop_id, n.handled_shown_at_ms
        FROM notifications n
        WHERE n.user_id = me.id AND n.handled IS NOT NULL AND n.desktop_id IS NOT NULL
          AND n.handled_shown_at_ms IS NULL
        ORDER BY n.id;
END
$$;

-- Claims the right to announce that someone else handled one of the
-- caller's notifications: true for exactly one caller, only when handled.
CREATE FUNCTION latchkey_api.claim_handled_shown(p_id bigint, p_user bigint)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := notification_owner(p_user);
BEGIN
    UPDATE notifications SET handled_shown_at_ms = now_ms()
    WHERE id = p_id AND user_id = me.id AND handled IS NOT NULL AND handled_shown_at_ms IS NULL;
    RETURN FOUND;
END
$$;

-- The caller's desktop switches (a kind without a row is on).
CREATE FUNCTION latchkey_api.notification_preferences(p_user bigint)
RETURNS TABLE (kind text, desktop boolean)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := notification_owner(p_user);
BEGIN
    RETURN QUERY SELECT p.kind, p.desktop FROM notification_preferences p
                 WHERE p.user_id = me.id ORDER BY p.kind;
END
$$;

-- Switches the caller's desktop notifications of a known kind on or off.
CREATE FUNCTION latchkey_api.set_notification_preference(
    p_user bigint, p_kind text, p_desktop boolean
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := notification_owner(p_user);
BEGIN
    IF notification_variant(p_kind) IS NULL OR p_desktop IS NULL THEN
        RAISE EXCEPTION 'this is not a kind of notification'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO notification_preferences (user_id, kind, desktop)
    VALUES (me.id, p_kind, p_desktop)
    ON CONFLICT (user_id, kind) DO UPDATE SET desktop = EXCLUDED.desktop;
END
$$;

-- Notes on the other recipients' submission notifications of a request
-- that the caller handled it, with the caller's display name and the
-- server's instant (R-BEY-7). The caller must be the one who did
-- (service/requests.rs `note_handled`, service/vault_admin.rs): approved
-- or denied it (decided_by), or cancelled it or had it lapse by
-- withdrawing its requester (ended_by); `p_except_user` is the caller.
-- The request row is locked while the rule is checked.
CREATE FUNCTION latchkey_api.note_request_handled(
    p_request bigint, p_except_user bigint, p_outcome text
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    req requests;
    did boolean;
BEGIN
    IF p_except_user IS DISTINCT FROM me.id THEN
        RAISE EXCEPTION 'you can only note what you handled yourself'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO req FROM requests WHERE id = p_request FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such request' USING ERRCODE = 'no_data_found';
    END IF;
    did := CASE p_outcome
        WHEN 'Approved' THEN req.status = 'approved' AND req.decided_by IS NOT DISTINCT FROM me.id
        WHEN 'Denied' THEN req.status = 'denied' AND req.decided_by IS NOT DISTINCT FROM me.id
        WHEN 'Cancelled' THEN req.status IN ('cancelled', 'lapsed')
                              AND req.ended_by IS NOT DISTINCT FROM me.id
    END;
    IF NOT coalesce(did, false) THEN
        RAISE EXCEPTION 'you did not handle this request'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE notifications
    SET handled = jsonb_build_object('outcome', p_outcome, 'by', me.display_name,
                                     'at', now_ms())::text
    WHERE request_id = p_request AND user_id <> me.id
      AND kind IN ('request_submitted', 'break_glass_used');
END
$$;


-- Live updates (R-DATA-2): every statement that changes one of these tables
-- sends `NOTIFY latchkey_changes, '<table>'` when its transaction commits
-- (the name only, never data; PostgreSQL sends one per table and
-- transaction). A window LISTENs and reloads what changed.
CREATE FUNCTION latchkey.signal_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pg_notify('latchkey_changes', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['requests', 'approvals', 'request_entries', 'entries',
                             'entry_secrets', 'entry_dependencies', 'vaults',
                             'vault_members', 'vault_approvers', 'standing_permissions',
                             'permission_sets', 'settings', 'users', 'notifications',
                             'notification_preferences', 'audit_events'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                       'ON latchkey.%I FOR EACH STATEMENT '
                       'EXECUTE FUNCTION latchkey.signal_change()',
                       t || '_signal_change', t);
    END LOOP;
END
$$;

RESET ROLE;
