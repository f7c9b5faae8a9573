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

RESET ROLE;
