-- The audit chain, kept by the server (R-AUD-2, R-BEY-10).

SET LOCAL ROLE latchkey_owner;

-- `n` as 8 bytes, least significant first (Rust's u64::to_le_bytes).
CREATE FUNCTION latchkey.le64(n bigint) RETURNS bytea
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT string_agg(set_byte('\x00'::bytea, 0, ((n >> (8 * i)) & 255)::int), ''::bytea ORDER BY i)
    FROM generate_series(0, 7) AS i
$$;

-- One field of an event as the hash takes it: its UTF-8 length, then its
-- UTF-8 bytes (domain/audit.rs, `AuditEvent::computed_hash`).
CREATE FUNCTION latchkey.audit_field(p text) RETURNS bytea
LANGUAGE sql IMMUTABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT latchkey.le64(octet_length(convert_to(p, 'UTF8'))) || convert_to(p, 'UTF8')
$$;

-- Appends one event at the server's instant, chained to the last one.
-- An advisory lock held until the transaction ends serialises appenders, so
-- the chain has one order and no two events share a position. No check of
-- who calls: the API functions decide who the actor is.
CREATE FUNCTION latchkey.append_audit_event(
    p_actor bigint, p_action text, p_request bigint, p_entry bigint, p_details text
) RETURNS latchkey.audit_events
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    last audit_events;
    event audit_events;
BEGIN
    PERFORM pg_advisory_xact_lock(7346920118250190601);  -- 'latchkey audit chain'
    SELECT * INTO last FROM audit_events ORDER BY seq DESC LIMIT 1;
    event.seq := coalesce(last.seq, 0) + 1;
    event.prev_hash := coalesce(last.hash, repeat('0', 64));
    event.at_ms := now_ms();
    event.actor_id := p_actor;
    event.action := p_action;
    event.request_id := p_request;
    event.entry_id := p_entry;
    event.details := p_details;
    event.hash := encode(sha256(
        audit_field(event.prev_hash)
        || audit_field(event.seq::text)
        || audit_field(event.at_ms::text)
        || audit_field(coalesce(event.actor_id::text, '-'))
        || audit_field(event.action)
        || audit_field(coalesce(event.request_id::text, '-'))
        || audit_field(coalesce(event.entry_id::text, '-'))
        || audit_field(event.details)), 'hex');
    INSERT INTO audit_events VALUES (event.*);
    RETURN event;
END
$$;

-- Every action name of the log (domain/audit.rs, `AuditAction::ALL`).
CREATE FUNCTION latchkey.audit_action_names() RETURNS text[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY[
        'workspace_created', 'user_created', 'signed_in', 'sign_in_failed',
        'vault_created', 'vault_changed', 'entry_created', 'secret_changed',
        'dependency_added', 'permission_set_created', 'permission_changed',
        'settings_changed', 'requested', 'extension_requested', 'cancelled',
        'approval_recorded', 'approved', 'approved_with_modifications', 'denied',
        'revoked', 'released', 'expired', 'lapsed', 'first_use_started', 'break_glass',
        'reviewed', 'direct_grant', 'password_revealed', 'password_copied', 'connected',
        'access_denied', 'connect_failed', 'username_copied', 'sign_in_failures_cleared',
        'notification_preference_changed', 'entry_changed', 'entry_moved',
        'entry_deleted', 'dependency_removed', 'vault_renamed', 'vault_deleted',
        'imported', 'user_changed', 'password_reset', 'password_changed',
        'member_removed', 'approver_removed', 'standing_removed',
        'permission_set_changed', 'permission_set_deleted', 'vault_policy_changed',
        'key_moved', 'audit_exported']
$$;

-- The vault a vault-level event's details name (`vault_id`), or NULL when
-- they name none or are not JSON (the reader never fails on a row).
CREATE FUNCTION latchkey.audit_details_vault(p_details text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v jsonb;
BEGIN
    IF p_details IS NULL OR position('vault_id' IN p_details) = 0 THEN
        RETURN NULL;
    END IF;
    BEGIN
        v := p_details::jsonb -> 'vault_id';
    EXCEPTION WHEN others THEN
        RETURN NULL;
    END;
    IF jsonb_typeof(v) = 'number' AND v::text ~ '^-?[0-9]{1,18}$' THEN
        RETURN v::text::bigint;
    END IF;
    RETURN NULL;
END
$$;

-- Who may read the log (service/audit_log.rs, `scope`): an administrator
-- reads every event (p_all); an approver the events about the vaults they
-- approve for (p_vaults) and their own; anyone else is refused.
CREATE FUNCTION latchkey.audit_reader(OUT p_me bigint, OUT p_all boolean, OUT p_vaults bigint[])
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    p_me := me.id;
    p_all := me.is_admin;
    IF p_all THEN
        p_vaults := '{}';
        RETURN;
    END IF;
    SELECT coalesce(array_agg(a.vault_id ORDER BY a.vault_id), '{}') INTO p_vaults
    FROM vault_approvers a WHERE a.user_id = me.id;
    IF cardinality(p_vaults) = 0 THEN
        RAISE EXCEPTION 'only administrators and approvers can read the audit log'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

-- The caller, who must be an administrator to read the whole chain.
CREATE FUNCTION latchkey.audit_chain_reader() RETURNS latchkey.users
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    IF NOT me.is_admin THEN
        RAISE EXCEPTION 'only an administrator can read the whole audit log; the server verifies it for everyone (latchkey_api.audit_verify)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN me;
END
$$;

-- The FROM and WHERE of an audit read: the filter's parts that are set (the
-- mirror of store/sqlite/tx.rs `audit_where`), the reader's visibility, and
-- the cursor. The text refers to the parameters of `EXECUTE … USING` in
-- this order: $1 actors, $2 entries, $3 requests, $4 vaults, $5 actions,
-- $6 since, $7 until, $8 from_seq, $9 LIKE pattern, $10 scope vaults,
-- $11 scope reader, $12 the reader's vaults, $13 the reader, $14 cursor seq,
-- $15 limit. A list of one value is written as `=` so the planner walks the
-- matching index in `seq` order.
CREATE FUNCTION latchkey.audit_from_where(
    p_actors bigint[], p_entries bigint[], p_requests bigint[], p_vaults bigint[],
    p_actions text[], p_since bigint, p_until bigint, p_from_seq bigint, p_text text,
    p_scope_vaults bigint[], p_scope_reader bigint, p_all boolean,
    p_cursor_op text
) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    vault constant text := 'v.vault';
    clauses text[] := '{}';
BEGIN
    IF p_cursor_op IS NOT NULL THEN
        clauses := clauses || format('a.seq %s $14', p_cursor_op);
    END IF;
    IF p_actors IS NOT NULL THEN
        clauses := clauses || CASE WHEN cardinality(p_actors) = 1 THEN 'a.actor_id = ($1)[1]'
                                   ELSE 'a.actor_id = ANY ($1)' END;
    END IF;
    IF p_entries IS NOT NULL THEN
        clauses := clauses || CASE WHEN cardinality(p_entries) = 1 THEN 'a.entry_id = ($2)[1]'
                                   ELSE 'a.entry_id = ANY ($2)' END;
    END IF;
    IF p_requests IS NOT NULL THEN
        clauses := clauses || CASE WHEN cardinality(p_requests) = 1 THEN 'a.request_id = ($3)[1]'
                                   ELSE 'a.request_id = ANY ($3)' END;
    END IF;
    IF p_vaults IS NOT NULL THEN
        clauses := clauses || format('%s = ANY ($4)', vault);
    END IF;
    IF p_actions IS NOT NULL THEN
        clauses := clauses || CASE WHEN cardinality(p_actions) = 1 THEN 'a.action = ($5)[1]'
                                   ELSE 'a.action = ANY ($5)' END;
    END IF;
    IF p_since IS NOT NULL THEN
        clauses := clauses || 'a.at_ms >= $6'::text;
    END IF;
    IF p_until IS NOT NULL THEN
        clauses := clauses || 'a.at_ms < $7'::text;
    END IF;
    IF p_from_seq IS NOT NULL THEN
        clauses := clauses || 'a.seq >= $8'::text;
    END IF;
    IF p_text IS NOT NULL AND p_text <> '' THEN
        clauses := clauses || ($q$(a.details ILIKE $9 ESCAPE '\' OR a.action ILIKE $9 ESCAPE '\' $q$
            || $q$OR u.username ILIKE $9 ESCAPE '\' OR u.display_name ILIKE $9 ESCAPE '\' $q$
            || $q$OR e.name ILIKE $9 ESCAPE '\')$q$);
    END IF;
    -- What the client says its reader may see narrows, never widens.
    IF p_scope_reader IS NOT NULL THEN
        clauses := clauses || format('(a.actor_id = $11 OR %s = ANY ($10))', vault);
    END IF;
    -- What the server says the reader may see.
    IF NOT p_all THEN
        clauses := clauses || format('(a.actor_id = $13 OR %s = ANY ($12))', vault);
    END IF;
    RETURN 'FROM latchkey.audit_events a '
        || 'LEFT JOIN latchkey.entries e ON e.id = a.entry_id '
        || 'LEFT JOIN latchkey.requests r ON r.id = a.request_id '
        || 'LEFT JOIN latchkey.users u ON u.id = a.actor_id '
        || 'CROSS JOIN LATERAL (SELECT coalesce(e.vault_id, r.vault_id, '
        || 'latchkey.audit_details_vault(a.details)) AS vault) v '
        || CASE WHEN cardinality(clauses) = 0 THEN ''
                ELSE 'WHERE ' || array_to_string(clauses, ' AND ') END;
END
$$;

-- A LIKE pattern that finds `p_text` anywhere, its wildcards taken literally.
CREATE FUNCTION latchkey.like_anywhere(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '%' || replace(replace(replace(p_text, '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;


-- The API.

-- The last event: (seq, hash). Every active user: the service chains its
-- events to it and bounds text searches with it; it tells nothing of what
-- happened.
CREATE FUNCTION latchkey_api.audit_head()
RETURNS TABLE (seq bigint, hash text)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM caller();
    RETURN QUERY SELECT a.seq, a.hash FROM audit_events a ORDER BY a.seq DESC LIMIT 1;
END
$$;

-- Appends the caller's event at the server's instant, chained by the server
-- (the client's seq, instant and hashes are not even sent). Refused:
-- * an action that is not one of the log's;
-- * details that are not JSON (every event's details are);
-- * another user as actor (you can record only your own actions);
-- * what only the server records: a password's use (password_revealed,
--   password_copied: written by the reveal function with the use itself),
--   sign-in failures and their clearing (the PostgreSQL server checks
--   passwords; no client sees another's sign-in);
-- * workspace_created other than as the first event, by an administrator;
-- * an event without an actor (the system's) other than an expiry or a
--   lapse that the request's state calls for and that is not recorded yet
--   (the service's tick: whichever client noticed it), about that request
--   and its entry. The advisory lock of the chain, taken first, serialises
--   two clients recording the same expiry: the second is refused.
CREATE FUNCTION latchkey_api.append_audit(
    p_actor bigint, p_action text, p_request bigint, p_entry bigint, p_details text
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    req requests;
    event audit_events;
BEGIN
    IF p_action IS NULL OR NOT (p_action = ANY (audit_action_names())) THEN
        RAISE EXCEPTION 'this is not an action of the audit log'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN
        PERFORM p_details::jsonb;
    EXCEPTION WHEN others THEN
        RAISE EXCEPTION 'the details of an audit event are JSON'
            USING ERRCODE = 'invalid_parameter_value';
    END;
    IF p_details IS NULL THEN
        RAISE EXCEPTION 'the details of an audit event are JSON'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_actor IS NOT NULL AND p_actor <> me.id THEN
        RAISE EXCEPTION 'you can record only your own actions'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_action IN ('password_revealed', 'password_copied') THEN
        RAISE EXCEPTION 'the server records the use of a password itself'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_action IN ('sign_in_failed', 'sign_in_failures_cleared') THEN
        RAISE EXCEPTION 'the PostgreSQL server checks passwords; a client does not record sign-ins that failed'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Serialises the checks below with every other appender.
    PERFORM pg_advisory_xact_lock(7346920118250190601);
    IF p_action = 'workspace_created' THEN
        IF NOT me.is_admin OR EXISTS (SELECT 1 FROM audit_events) THEN
            RAISE EXCEPTION 'a workspace is created once, by its first administrator'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF p_action IN ('expired', 'lapsed') THEN
        IF p_actor IS NOT NULL THEN
            RAISE EXCEPTION 'an expiry or a lapse is recorded as the system''s, without an actor'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        SELECT * INTO req FROM requests WHERE id = p_request FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no such request' USING ERRCODE = 'no_data_found';
        END IF;
        IF p_entry IS DISTINCT FROM req.entry_id THEN
            RAISE EXCEPTION 'this event names another entry than its request''s'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF (p_action = 'expired' AND NOT (req.status = 'approved' AND req.expiry_recorded
                                          AND req.grant_end_ms <= now_ms()))
           OR (p_action = 'lapsed' AND req.status <> 'lapsed') THEN
            RAISE EXCEPTION 'this request has not %', CASE p_action WHEN 'expired' THEN 'expired' ELSE 'lapsed' END
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        IF EXISTS (SELECT 1 FROM audit_events a
                   WHERE a.request_id = p_request AND a.action = p_action) THEN
            RAISE EXCEPTION 'this request''s % is already recorded',
                CASE p_action WHEN 'expired' THEN 'expiry' ELSE 'lapse' END
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
    ELSIF p_actor IS NULL THEN
        RAISE EXCEPTION 'only an expiry or a lapse is recorded without an actor'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    event := append_audit_event(p_actor, p_action, p_request, p_entry, p_details);
    RETURN event.seq;
END
$$;

-- Up to `p_limit` events after `p_after`, in order: the whole chain, for
-- administrators (everyone else reads the part the log shows them, and
-- has the server verify the chain: audit_verify).
CREATE FUNCTION latchkey_api.audit_events_after(p_after bigint, p_limit bigint)
RETURNS SETOF latchkey.audit_events
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM audit_chain_reader();
    RETURN QUERY SELECT * FROM audit_events a WHERE a.seq > p_after
                 ORDER BY a.seq LIMIT greatest(p_limit, 0);
END
$$;

-- The same rows, read for verification (`check_audit`); the columns have
-- their types on this server, so no row is unreadable. Administrators only.
CREATE FUNCTION latchkey_api.audit_rows_after(p_after bigint, p_limit bigint)
RETURNS SETOF latchkey.audit_events
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM audit_chain_reader();
    RETURN QUERY SELECT * FROM audit_events a WHERE a.seq > p_after
                 ORDER BY a.seq LIMIT greatest(p_limit, 0);
END
$$;

-- The hash of the event at `p_seq` (NULL when there is none), for every
-- active user: what a client compares with a head its computer remembered
-- (R-BEY-12); a hash tells nothing of the event.
CREATE FUNCTION latchkey_api.audit_hash_at(p_seq bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM caller();
    RETURN (SELECT a.hash FROM audit_events a WHERE a.seq = p_seq);
END
$$;

-- The server verifies its own chain, for every active user: how many
-- events, the last one's hash, and the first position whose link or hash
-- is wrong (NULL when intact). Lets a user who may not read the whole log
-- still compare the head with the one their computer saw.
CREATE FUNCTION latchkey_api.audit_verify()
RETURNS TABLE (events bigint, head_hash text, broken_at bigint)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    ev audit_events;
    expected_seq bigint := 1;
    prev text := repeat('0', 64);
BEGIN
    PERFORM caller();
    events := 0;
    head_hash := NULL;
    broken_at := NULL;
    FOR ev IN SELECT * FROM audit_events ORDER BY seq LOOP
        IF ev.seq <> expected_seq OR ev.prev_hash <> prev
           OR ev.hash <> encode(sha256(
                audit_field(ev.prev_hash)
                || audit_field(ev.seq::text)
                || audit_field(ev.at_ms::text)
                || audit_field(coalesce(ev.actor_id::text, '-'))
                || audit_field(ev.action)
                || audit_field(coalesce(ev.request_id::text, '-'))
                || audit_field(coalesce(ev.entry_id::text, '-'))
                || audit_field(ev.details)), 'hex') THEN
            broken_at := least(ev.seq, expected_seq);
            RETURN NEXT;
            RETURN;
        END IF;
        events := ev.seq;
        head_hash := ev.hash;
        prev := ev.hash;
        expected_seq := ev.seq + 1;
    END LOOP;
    RETURN NEXT;
END
$$;

-- Whether the workspace holds anything besides its audit log (an empty log
-- is valid only then). Every active user: it tells nothing worth hiding.
CREATE FUNCTION latchkey_api.holds_data() RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM caller();
    RETURN EXISTS (SELECT 1 FROM meta) OR EXISTS (SELECT 1 FROM users)
        OR EXISTS (SELECT 1 FROM vaults) OR EXISTS (SELECT 1 FROM permission_sets)
        OR EXISTS (SELECT 1 FROM entries) OR EXISTS (SELECT 1 FROM requests);
END
$$;

-- A page of the events the filter finds that the caller may read
-- (audit_reader: administrators every event, approvers their vaults' and
-- their own, others refused), newest first before p_cursor (NULL: from the
-- newest) when p_newest, else oldest first after p_cursor; with the actor's
-- user name and the event's vault and its name. The filter's `scope` (the
-- client's idea of what its reader sees) only narrows.
CREATE FUNCTION latchkey_api.audit_page(
    p_actors bigint[], p_entries bigint[], p_requests bigint[], p_vaults bigint[],
    p_actions text[], p_since bigint, p_until bigint, p_from_seq bigint, p_text text,
    p_scope_vaults bigint[], p_scope_reader bigint,
    p_newest boolean, p_cursor bigint, p_limit bigint
) RETURNS TABLE (
    seq bigint, at_ms bigint, actor_id bigint, action text, request_id bigint,
    entry_id bigint, details text, prev_hash text, hash text,
    actor_name text, vault_id bigint, vault_name text
)
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    reader record;
    cursor_op text := CASE WHEN p_newest AND p_cursor IS NULL THEN NULL
                           WHEN p_newest THEN '<' ELSE '>' END;
BEGIN
    SELECT * INTO reader FROM audit_reader();
    RETURN QUERY EXECUTE
        'SELECT a.seq, a.at_ms, a.actor_id, a.action, a.request_id, a.entry_id, a.details, '
        || 'a.prev_hash, a.hash, u.username, v.vault, '
        || '(SELECT name FROM latchkey.vaults WHERE id = v.vault) '
        || audit_from_where(p_actors, p_entries, p_requests, p_vaults, p_actions, p_since,
                            p_until, p_from_seq, p_text, p_scope_vaults, p_scope_reader,
                            reader.p_all, cursor_op)
        || ' ORDER BY a.seq ' || CASE WHEN p_newest THEN 'DESC' ELSE 'ASC' END
        || ' LIMIT $15'
    USING p_actors, p_entries, p_requests, p_vaults, p_actions, p_since, p_until,
          p_from_seq, latchkey.like_anywhere(coalesce(p_text, '')),
          coalesce(p_scope_vaults, '{}'), p_scope_reader,
          reader.p_vaults, reader.p_me, p_cursor, greatest(p_limit, 0);
END
$$;

-- How many events the filter finds that the caller may read (as
-- audit_page), counting no further than p_cap when given.
CREATE FUNCTION latchkey_api.audit_count(
    p_actors bigint[], p_entries bigint[], p_requests bigint[], p_vaults bigint[],
    p_actions text[], p_since bigint, p_until bigint, p_from_seq bigint, p_text text,
    p_scope_vaults bigint[], p_scope_reader bigint, p_cap bigint
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    reader record;
    n bigint;
BEGIN
    SELECT * INTO reader FROM audit_reader();
    EXECUTE 'SELECT count(*) FROM (SELECT 1 '
        || audit_from_where(p_actors, p_entries, p_requests, p_vaults, p_actions, p_since,
                            p_until, p_from_seq, p_text, p_scope_vaults, p_scope_reader,
                            reader.p_all, NULL)
        || ' LIMIT $15) AS found'
    INTO n
    USING p_actors, p_entries, p_requests, p_vaults, p_actions, p_since, p_until,
          p_from_seq, latchkey.like_anywhere(coalesce(p_text, '')),
          coalesce(p_scope_vaults, '{}'), p_scope_reader,
          reader.p_vaults, reader.p_me, NULL::bigint, p_cap;
    RETURN n;
END
$$;

RESET ROLE;
