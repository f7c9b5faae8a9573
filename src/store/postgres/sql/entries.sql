-- Entries: the tree of folders and items, their dependencies and their
-- secrets, each read and write checked by the server at its own instant for
-- the signed-in user (R-BEY-10).
--
-- Who may read: an entry of a vault is read by the vault's members at the
-- instant, its approvers and administrators (`may_read_vault`); an entry a
-- request names (its target, an entry it covers, a folder above its target)
-- is also read by those who see that request as its requester, named
-- approver or decider (`may_see` in service/queries.rs), so that the
-- request's history keeps its names.
--
-- Who may write: as service/entries.rs, import.rs and admin.rs decide, with
-- the permissions of `entry_permission_bits` at `now_ms()` (access.sql).
--
-- Secrets: encrypted by the server with pgcrypto's `pgp_sym_encrypt`
-- (OpenPGP symmetric encryption, AES-256, a fresh random session key and
-- salt per message and an integrity check), under the workspace key of
-- `latchkey.secret_key`, which only the owner role reads. Chosen over
-- `encrypt_iv` (raw AES-CBC): that leaves the IV to us and has no integrity
-- check, so a changed ciphertext would decrypt to garbage instead of
-- failing. A client never receives the key or a ciphertext: secrets go in
-- clear over the (TLS) connection and come back only from `reveal_secret`,
-- which records the use in the audit chain first.

-- The owner role calls pgcrypto (installed by the superuser that lays out
-- the schema, as its owner): grants.sql revokes it from everyone else.
GRANT EXECUTE ON FUNCTION latchkey_crypto.gen_random_bytes(integer),
                          latchkey_crypto.pgp_sym_encrypt(text, text, text),
                          latchkey_crypto.pgp_sym_decrypt(bytea, text)
    TO latchkey_owner;

SET LOCAL ROLE latchkey_owner;

-- The workspace key, made once by the server when the workspace is created.
INSERT INTO latchkey.secret_key (key) VALUES (encode(latchkey_crypto.gen_random_bytes(32), 'hex'));

-- Every change of a vault's entries moves its revision (as the SQLite
-- workspace's triggers do), whoever writes: once per statement and vault,
-- so that a statement writing many entries does not update one row as
-- many times.
CREATE FUNCTION latchkey.bump_entry_revision() RETURNS trigger
LANGUAGE plpgsql
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO entry_revisions (vault_id, revision)
    SELECT DISTINCT vault_id, 1 FROM changed
    ON CONFLICT (vault_id) DO UPDATE SET revision = entry_revisions.revision + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER entries_added_revision AFTER INSERT ON latchkey.entries
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION latchkey.bump_entry_revision();
CREATE TRIGGER entries_changed_revision AFTER UPDATE ON latchkey.entries
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION latchkey.bump_entry_revision();
CREATE TRIGGER entries_removed_revision AFTER DELETE ON latchkey.entries
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION latchkey.bump_entry_revision();

CREATE INDEX standing_by_user_top ON latchkey.standing_permissions (user_id, vault_id)
    WHERE folder_id IS NULL;

-- Helpers (not callable by users).

-- An entry that is not deleted, locked for this transaction (`FOR UPDATE`:
-- a concurrent writer waits, then finds what the first one left); refused
-- with no_data_found (the service's WrongState) when it does not exist or
-- was deleted.
CREATE FUNCTION latchkey.live_entry_locked(p_id bigint) RETURNS latchkey.entries
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    e entries;
BEGIN
    SELECT * INTO e FROM entries WHERE id = p_id FOR UPDATE;
    IF NOT FOUND OR e.deleted_at_ms IS NOT NULL THEN
        RAISE EXCEPTION 'entry % does not exist', p_id USING ERRCODE = 'no_data_found';
    END IF;
    RETURN e;
END
$$;

-- A folder that new entries are placed in, locked against a concurrent
-- delete (`FOR NO KEY UPDATE`, which also serialises two inserts into it so
-- that the name check holds); refused as the service refuses.
CREATE FUNCTION latchkey.destination_folder(p_id bigint, p_vault bigint) RETURNS latchkey.entries
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    f entries;
BEGIN
    SELECT * INTO f FROM entries WHERE id = p_id FOR NO KEY UPDATE;
    IF NOT FOUND OR f.deleted_at_ms IS NOT NULL THEN
        RAISE EXCEPTION 'entry % does not exist', p_id USING ERRCODE = 'no_data_found';
    END IF;
    IF f.vault_id <> p_vault THEN
        RAISE EXCEPTION 'the folder belongs to another vault'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'entry';
    END IF;
    IF f.kind <> 'folder' THEN
        RAISE EXCEPTION 'entries can only be placed in folders'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'entry';
    END IF;
    RETURN f;
END
$$;

-- Locks (`FOR SHARE`) the rows `p_user`'s permissions in `p_vault` are
-- decided on — their membership, standing sets and approved requests — so
-- that a concurrent change of them (a revocation, a removal) is either
-- committed first and seen, or waits until this transaction ends.
CREATE FUNCTION latchkey.lock_access_facts(p_user bigint, p_vault bigint) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM 1 FROM vault_members WHERE vault_id = p_vault AND user_id = p_user FOR SHARE;
    PERFORM 1 FROM standing_permissions WHERE vault_id = p_vault AND user_id = p_user FOR SHARE;
    -- Only grants that may still be in force: one whose expiry is recorded
    -- gives nothing any more (and a user may have many of those).
    PERFORM 1 FROM requests WHERE requester_id = p_user AND status = 'approved'
        AND NOT expiry_recorded
        AND (vault_id = p_vault
             OR id IN (SELECT re.request_id FROM request_entries re
                       JOIN entries x ON x.id = re.entry_id WHERE x.vault_id = p_vault))
        FOR SHARE;
END
$$;
CREATE INDEX requests_live_by_requester ON latchkey.requests (requester_id, vault_id)
    WHERE status = 'approved' AND NOT expiry_recorded;

-- Refuses unless `u` holds `p_bit` (a `Permission` bit, `p_label` its name)
-- on `e` at the server's instant (`AccessFacts::authorize`): a non-member
-- holds nothing; View password is withheld by the workspace's policy. The
-- facts are locked first (`lock_access_facts`).
CREATE FUNCTION latchkey.require_permission(u latchkey.users, e latchkey.entries, p_bit integer, p_label text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    at bigint;
BEGIN
    IF NOT u.is_admin THEN
        PERFORM lock_access_facts(u.id, e.vault_id);
    END IF;
    at := now_ms();
    IF NOT u.is_admin AND NOT is_member(u.id, e.vault_id, at) THEN
        RAISE EXCEPTION 'you are not a member of this vault' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF entry_permission_bits(u.id, e.id, at) & p_bit = 0 THEN
        IF p_bit = 2 AND entry_granted_bits(u.id, e.id, at) & 2 <> 0 THEN
            RAISE EXCEPTION 'revealing and copying passwords is turned off in this workspace'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RAISE EXCEPTION 'you don''t have the “%” permission on this entry right now', p_label
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

-- Refuses unless `u` may add an entry in `p_folder` (a locked destination
-- folder) or, when it is NULL, at the top of `p_vault` (`require_add`).
CREATE FUNCTION latchkey.require_add(u latchkey.users, p_vault bigint, p_folder latchkey.entries)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    IF p_folder.id IS NOT NULL THEN
        PERFORM require_permission(u, p_folder, 16, 'Add');
        RETURN;
    END IF;
    IF NOT u.is_admin THEN
        PERFORM lock_access_facts(u.id, p_vault);
    END IF;
    IF vault_top_bits(u.id, p_vault, now_ms()) & 16 = 0 THEN
        IF NOT u.is_admin AND NOT is_member(u.id, p_vault, now_ms()) THEN
            RAISE EXCEPTION 'you are not a member of this vault' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RAISE EXCEPTION 'you don''t have the “Add” permission at the top of this vault'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

-- Refuses an entry's fields as `check_entry_fields` does.
CREATE FUNCTION latchkey.check_entry_fields(p_name text, p_port integer) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_name IS NULL OR btrim(p_name) = '' THEN
        RAISE EXCEPTION 'enter a name' USING ERRCODE = 'invalid_parameter_value', HINT = 'name';
    END IF;
    IF p_port IS NOT NULL AND (p_port < 1 OR p_port > 65535) THEN
        RAISE EXCEPTION 'a port is a number from 1 to 65535'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'entry';
    END IF;
END
$$;

-- Refuses a name another live entry of the same folder has (ignoring case
-- and surrounding spaces), as `check_sibling_name` does.
CREATE FUNCTION latchkey.check_name_free(p_vault bigint, p_parent bigint, p_name text, p_except bigint)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    taken text;
BEGIN
    SELECT s.name INTO taken FROM entries s
    WHERE s.vault_id = p_vault AND s.parent_id IS NOT DISTINCT FROM p_parent
      AND s.deleted_at_ms IS NULL AND s.id IS DISTINCT FROM p_except
      AND lower(btrim(s.name)) = lower(btrim(p_name))
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '“%” exists in this folder already', taken
            USING ERRCODE = 'invalid_parameter_value', HINT = 'name';
    END IF;
END
$$;

-- Whether `u` may read entry `e` at `p_at`: see the head of this file.
CREATE FUNCTION latchkey.may_read_entry(u latchkey.users, e latchkey.entries, p_at bigint)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT latchkey.may_read_vault(u.id, e.vault_id, p_at)
        OR EXISTS (
            SELECT 1 FROM latchkey.requests r
            WHERE (r.requester_id = u.id OR r.approver_id = u.id OR r.decided_by = u.id)
              AND r.vault_id = e.vault_id
              AND (r.entry_id = e.id
                   OR EXISTS (SELECT 1 FROM latchkey.request_entries re
                              WHERE re.request_id = r.id AND re.entry_id = e.id)
                   OR (r.entry_id IS NOT NULL
                       AND e.id IN (SELECT a.id FROM latchkey.entry_ancestors(r.entry_id) a))))
$$;

-- An entry `u` may read (deleted too when `p_deleted`); nothing when it
-- does not exist; refused when it exists and `u` may not read it.
CREATE FUNCTION latchkey.readable_entry(u latchkey.users, p_id bigint, p_deleted boolean)
RETURNS SETOF latchkey.entries
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    e entries;
BEGIN
    SELECT * INTO e FROM entries WHERE id = p_id;
    IF NOT FOUND OR (e.deleted_at_ms IS NOT NULL AND NOT p_deleted) THEN
        RETURN;
    END IF;
    IF NOT may_read_entry(u, e, now_ms()) THEN
        RAISE EXCEPTION 'you are not a member of this vault' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEXT e;
END
$$;

-- Refuses unless `u` may read the tree of `p_vault` now.
CREATE FUNCTION latchkey.require_vault_reader(u latchkey.users, p_vault bigint) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT may_read_vault(u.id, p_vault, now_ms()) THEN
        RAISE EXCEPTION 'you are not a member of this vault' USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

-- The workspace key (owner only).
CREATE FUNCTION latchkey.workspace_key() RETURNS text
LANGUAGE sql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT key FROM latchkey.secret_key
$$;


-- The API.

-- Creates a folder or item (`create_entry_op`, the import's folders and
-- items, an administrator's `add_entry_op`): the caller is an administrator
-- or a member of the vault now; the fields are valid; the folder (if any) is
-- a live folder of the same vault, on which the caller holds Add now, else
-- the caller holds Add at the vault's top (administrators, or a standing set
-- on the whole vault); no live sibling has the name. The folder (or the
-- vault, for its top) is locked, so two creations there are serialised and
-- the second sees the first's name. Fields are stored trimmed (notes as
-- given), as the SQLite workspace stores them.
CREATE FUNCTION latchkey_api.insert_entry(
    p_vault bigint, p_kind text, p_parent bigint, p_name text, p_host text, p_port integer,
    p_username text, p_url text, p_notes text, p_database text, p_engine text
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    folder entries;
    new_id bigint;
BEGIN
    PERFORM 1 FROM vaults WHERE id = p_vault;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'vault % does not exist', p_vault USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT me.is_admin AND NOT is_member(me.id, p_vault, now_ms()) THEN
        RAISE EXCEPTION 'you are not a member of this vault' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_kind IS NULL OR p_kind NOT IN ('folder', 'rdp', 'ssh', 'website', 'vpn', 'credentials', 'database') THEN
        RAISE EXCEPTION 'unknown kind of entry “%”', p_kind
            USING ERRCODE = 'invalid_parameter_value', HINT = 'entry';
    END IF;
    PERFORM check_entry_fields(p_name, p_port);
    IF p_parent IS NOT NULL THEN
        folder := destination_folder(p_parent, p_vault);
    ELSE
        PERFORM 1 FROM vaults WHERE id = p_vault FOR NO KEY UPDATE;
    END IF;
    PERFORM require_add(me, p_vault, folder);
    PERFORM check_name_free(p_vault, p_parent, p_name, NULL);
    INSERT INTO entries (vault_id, parent_id, kind, name, host, port, username, url, notes,
                         database_name, engine)
    VALUES (p_vault, p_parent, p_kind, btrim(p_name), btrim(coalesce(p_host, '')), p_port,
            btrim(coalesce(p_username, '')), btrim(coalesce(p_url, '')), coalesce(p_notes, ''),
            btrim(coalesce(p_database, '')), btrim(coalesce(p_engine, '')))
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

-- An entry that is not deleted, for whoever may read it (see the head).
CREATE FUNCTION latchkey_api.entry(p_id bigint) RETURNS SETOF latchkey.entries
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT * FROM readable_entry(caller(), p_id, false);
END
$$;

-- An entry, deleted or not (the history of a request names it), for
-- whoever may read it (see the head).
CREATE FUNCTION latchkey_api.entry_record(p_id bigint) RETURNS SETOF latchkey.entries
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT * FROM readable_entry(caller(), p_id, true);
END
$$;

-- Changes a live entry's fields, or moves it (`update_entry_op`,
-- `move_entry`): the entry is locked (a concurrent change or deletion
-- waits, and a deleted entry is refused); the caller is an administrator or
-- a member and holds Edit on it now; the fields are valid. A move (another
-- folder) goes to a live folder of the same vault that is not the entry
-- itself or below it, where the caller holds Add (on the folder, or at the
-- vault's top). A new name or folder must leave the name free there.
CREATE FUNCTION latchkey_api.update_entry(
    p_id bigint, p_parent bigint, p_name text, p_host text, p_port integer,
    p_username text, p_url text, p_notes text, p_database text, p_engine text
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    e entries := live_entry_locked(p_id);
    folder entries;
BEGIN
    PERFORM require_permission(me, e, 8, 'Edit');
    PERFORM check_entry_fields(p_name, p_port);
    IF p_parent IS DISTINCT FROM e.parent_id THEN
        IF p_parent IS NOT NULL THEN
            folder := destination_folder(p_parent, e.vault_id);
            IF folder.id = e.id OR e.id IN (SELECT a.id FROM entry_ancestors(folder.id) a) THEN
                RAISE EXCEPTION '“%” cannot move into itself or below itself', e.name
                    USING ERRCODE = 'invalid_parameter_value', HINT = 'entry';
            END IF;
        ELSE
            PERFORM 1 FROM vaults WHERE id = e.vault_id FOR NO KEY UPDATE;
        END IF;
        PERFORM require_add(me, e.vault_id, folder);
    END IF;
    IF p_parent IS DISTINCT FROM e.parent_id OR btrim(p_name) IS DISTINCT FROM e.name THEN
        PERFORM check_name_free(e.vault_id, p_parent, p_name, e.id);
    END IF;
    UPDATE entries SET parent_id = p_parent, name = btrim(p_name),
        host = btrim(coalesce(p_host, '')), port = p_port,
        username = btrim(coalesce(p_username, '')), url = btrim(coalesce(p_url, '')),
        notes = coalesce(p_notes, ''), database_name = btrim(coalesce(p_database, '')),
        engine = btrim(coalesce(p_engine, ''))
    WHERE id = e.id;
END
$$;

-- Deletes entries (`delete_entry`): each is locked and live (a second
-- deleter waits, then is refused); the caller holds Delete on each now;
-- nothing live below any of them is left out (a folder goes with everything
-- below it); no request naming any of them is pending. Marks them deleted at
-- the server's instant and removes their secrets, their dependencies in
-- both directions and the standing permissions on them.
CREATE FUNCTION latchkey_api.delete_entries(p_ids bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    at bigint := now_ms();
    e entries;
    left_out entries;
    pending_on text;
BEGIN
    IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
        RETURN;
    END IF;
    FOR e IN SELECT * FROM entries WHERE id = ANY (p_ids) ORDER BY id FOR UPDATE LOOP
        IF e.deleted_at_ms IS NOT NULL THEN
            RAISE EXCEPTION 'entry % does not exist', e.id USING ERRCODE = 'no_data_found';
        END IF;
        IF e.parent_id IS NOT NULL AND e.parent_id = ANY (p_ids) THEN
            IF NOT me.is_admin THEN
                PERFORM lock_access_facts(me.id, e.vault_id);
            END IF;
            IF NOT me.is_admin AND NOT is_member(me.id, e.vault_id, at) THEN
                RAISE EXCEPTION 'you are not a member of this vault'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF entry_permission_bits(me.id, e.id, at) & 32 = 0 THEN
                RAISE EXCEPTION 'you don''t have the “Delete” permission on “%”, which is below it', e.name
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        ELSE
            PERFORM require_permission(me, e, 32, 'Delete');
        END IF;
    END LOOP;
    IF (SELECT count(*) FROM entries WHERE id = ANY (p_ids)) <> cardinality(ARRAY(SELECT DISTINCT unnest(p_ids))) THEN
        RAISE EXCEPTION 'an entry to delete does not exist' USING ERRCODE = 'no_data_found';
    END IF;
    SELECT * INTO left_out FROM entries c
    WHERE c.parent_id = ANY (p_ids) AND c.deleted_at_ms IS NULL AND NOT c.id = ANY (p_ids)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '“%” is below an entry being deleted; it must be deleted with it', left_out.name
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    SELECT x.name INTO pending_on FROM entries x
    WHERE x.id = ANY (p_ids)
      AND EXISTS (SELECT 1 FROM requests r
                  WHERE r.status = 'pending' AND r.pending_until_ms > at
                    AND (r.entry_id = x.id
                         OR r.id IN (SELECT re.request_id FROM request_entries re
                                     WHERE re.entry_id = x.id)))
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '“%” has a pending access request; it must be decided or cancelled before the entry is deleted', pending_on
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM entry_secrets WHERE entry_id = ANY (p_ids);
    DELETE FROM entry_dependencies WHERE entry_id = ANY (p_ids) OR depends_on_id = ANY (p_ids);
    DELETE FROM standing_permissions WHERE folder_id = ANY (p_ids);
    UPDATE entries SET deleted_at_ms = at WHERE id = ANY (p_ids);
END
$$;

-- The live entries directly in `p_parent` (NULL: the vault's top), for
-- whoever may read the vault's tree.
CREATE FUNCTION latchkey_api.children(p_vault bigint, p_parent bigint)
RETURNS SETOF latchkey.entries
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM require_vault_reader(caller(), p_vault);
    RETURN QUERY SELECT * FROM entries
        WHERE vault_id = p_vault AND parent_id IS NOT DISTINCT FROM p_parent
          AND deleted_at_ms IS NULL
        ORDER BY id;
END
$$;

-- Every live entry of a vault, for whoever may read its tree.
CREATE FUNCTION latchkey_api.entries(p_vault bigint) RETURNS SETOF latchkey.entries
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM require_vault_reader(caller(), p_vault);
    RETURN QUERY SELECT * FROM entries
        WHERE vault_id = p_vault AND deleted_at_ms IS NULL ORDER BY id;
END
$$;

-- A live entry and every live entry below it, for whoever may read its
-- vault's tree (nothing when it does not exist or was deleted).
CREATE FUNCTION latchkey_api.subtree(p_entry bigint) RETURNS SETOF latchkey.entries
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    v bigint;
BEGIN
    SELECT vault_id INTO v FROM entries WHERE id = p_entry AND deleted_at_ms IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM require_vault_reader(me, v);
    RETURN QUERY
        WITH RECURSIVE down(id, depth) AS (
            SELECT p_entry, 0
            UNION
            SELECT c.id, down.depth + 1 FROM entries c JOIN down ON c.parent_id = down.id
            WHERE c.deleted_at_ms IS NULL AND down.depth < 1000
        )
        SELECT * FROM entries WHERE id IN (SELECT down.id FROM down) ORDER BY id;
END
$$;

-- The folders above an entry, nearest first, for whoever may read the entry.
CREATE FUNCTION latchkey_api.ancestors(p_entry bigint) RETURNS SETOF bigint
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM 1 FROM readable_entry(caller(), p_entry, true);
    RETURN QUERY SELECT a.id FROM entry_ancestors(p_entry) a ORDER BY a.depth;
END
$$;

-- Links an item to the credentials or VPN it needs, replacing the link
-- between the same two (`set_dependency_op`, an administrator's
-- `add_dependency_op`): the item is locked and live, the target live; they
-- differ and share a vault; the item is a connection (RDP, SSH, website,
-- VPN, database) and the target of the role's kind (`check_dependency`);
-- the caller holds Edit on the item now.
CREATE FUNCTION latchkey_api.add_dependency(p_entry bigint, p_depends_on bigint, p_role text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    item entries := live_entry_locked(p_entry);
    target entries;
BEGIN
    SELECT * INTO target FROM entries WHERE id = p_depends_on FOR SHARE;
    IF NOT FOUND OR target.deleted_at_ms IS NOT NULL THEN
        RAISE EXCEPTION 'entry % does not exist', p_depends_on USING ERRCODE = 'no_data_found';
    END IF;
    IF p_role IS NULL OR p_role NOT IN ('credentials', 'vpn') THEN
        RAISE EXCEPTION 'unknown dependency role “%”', p_role
            USING ERRCODE = 'invalid_parameter_value', HINT = 'entry';
    END IF;
    IF item.id = target.id THEN
        RAISE EXCEPTION 'an entry cannot depend on itself'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'entry';
    END IF;
    IF item.vault_id <> target.vault_id THEN
        RAISE EXCEPTION 'an entry can only depend on entries of the same vault'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'entry';
    END IF;
    IF item.kind NOT IN ('rdp', 'ssh', 'website', 'vpn', 'database') THEN
        RAISE EXCEPTION 'a % entry cannot have dependencies',
            CASE item.kind WHEN 'folder' THEN 'Folder' WHEN 'credentials' THEN 'Credentials' ELSE item.kind END
            USING ERRCODE = 'invalid_parameter_value', HINT = 'entry';
    END IF;
    IF target.kind <> p_role THEN
        RAISE EXCEPTION '“%” is not a % entry', target.name,
            CASE p_role WHEN 'vpn' THEN 'VPN' ELSE 'Credentials' END
            USING ERRCODE = 'invalid_parameter_value', HINT = 'entry';
    END IF;
    PERFORM require_permission(me, item, 8, 'Edit');
    INSERT INTO entry_dependencies (entry_id, depends_on_id, role)
    VALUES (item.id, target.id, p_role)
    ON CONFLICT (entry_id, depends_on_id) DO UPDATE SET role = EXCLUDED.role;
END
$$;

-- What an entry depends on, for whoever may read the entry.
CREATE FUNCTION latchkey_api.dependencies(p_entry bigint)
RETURNS TABLE (entry_id bigint, depends_on_id bigint, role text)
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM 1 FROM readable_entry(caller(), p_entry, true);
    RETURN QUERY SELECT d.entry_id, d.depends_on_id, d.role FROM entry_dependencies d
        WHERE d.entry_id = p_entry ORDER BY d.depends_on_id;
END
$$;

-- What depends on an entry, for whoever may read the entry.
CREATE FUNCTION latchkey_api.dependents(p_entry bigint)
RETURNS TABLE (entry_id bigint, depends_on_id bigint, role text)
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM 1 FROM readable_entry(caller(), p_entry, true);
    RETURN QUERY SELECT d.entry_id, d.depends_on_id, d.role FROM entry_dependencies d
        WHERE d.depends_on_id = p_entry ORDER BY d.entry_id;
END
$$;

-- Unlinks what an item depends on in a role (`set_dependency_op`): the
-- item is locked and live and the caller holds Edit on it now.
CREATE FUNCTION latchkey_api.remove_dependency(p_entry bigint, p_role text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    item entries := live_entry_locked(p_entry);
BEGIN
    PERFORM require_permission(me, item, 8, 'Edit');
    DELETE FROM entry_dependencies WHERE entry_id = item.id AND role = p_role;
END
$$;

-- Whether `e` was created (or last changed) by this very transaction: its
-- row version is this transaction's. A creation was checked by
-- `insert_entry` for this caller, whose secret it may then set
-- (`create_entry_op`, the import, `add_entry_op` store it right after).
CREATE FUNCTION latchkey.made_in_this_transaction(p_id bigint) RETURNS boolean
LANGUAGE sql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM latchkey.entries e
                   WHERE e.id = p_id
                     AND e.xmin::text::bigint
                         = pg_current_xact_id_if_assigned()::text::bigint % 4294967296)
$$;

-- Stores an item's secret given in clear, encrypted by the server
-- (`set_secret_op`, and a new entry's secret): the item is locked and live,
-- not a folder; the caller holds Edit on it now, or created it in this
-- transaction (after `insert_entry` checked Add for them).
CREATE FUNCTION latchkey_api.set_secret_clear(p_entry bigint, p_secret text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    item entries := live_entry_locked(p_entry);
BEGIN
    IF item.kind = 'folder' THEN
        RAISE EXCEPTION 'a folder has no password'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'password';
    END IF;
    IF p_secret IS NULL THEN
        RAISE EXCEPTION 'enter a password' USING ERRCODE = 'invalid_parameter_value', HINT = 'password';
    END IF;
    IF NOT made_in_this_transaction(item.id) THEN
        PERFORM require_permission(me, item, 8, 'Edit');
    END IF;
    INSERT INTO entry_secrets (entry_id, ciphertext)
    VALUES (item.id, latchkey_crypto.pgp_sym_encrypt(p_secret, workspace_key(), 'cipher-algo=aes256'))
    ON CONFLICT (entry_id) DO UPDATE SET ciphertext = EXCLUDED.ciphertext;
END
$$;

-- Removes an item's secret (`set_secret_op` with none): the item is locked
-- and live, not a folder, and the caller holds Edit on it now.
CREATE FUNCTION latchkey_api.clear_secret(p_entry bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    item entries := live_entry_locked(p_entry);
BEGIN
    IF item.kind = 'folder' THEN
        RAISE EXCEPTION 'a folder has no password'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'password';
    END IF;
    PERFORM require_permission(me, item, 8, 'Edit');
    DELETE FROM entry_secrets WHERE entry_id = item.id;
END
$$;

-- Whether an entry has a secret (never the secret): for whoever may read
-- the entry (the service tells an editor whether a password was there).
CREATE FUNCTION latchkey_api.has_secret(p_entry bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    PERFORM readable_entry(me, p_entry, false);
    RETURN EXISTS (SELECT 1 FROM entry_secrets WHERE entry_id = p_entry);
END
$$;

-- Reveals or copies an item's secret (`use_secret`), all in this call: the
-- caller holds View password on the live item at the server's instant
-- (R-REQ-8, the workspace policy included), else refused and nothing is
-- recorded; the event is the caller's own (`p_actor` must be the caller)
-- and a password revealed or copied, its request none or one of the
-- caller's; NULL when the item has no secret (nothing recorded, as the
-- service says "has no password" first); else the event is appended to the
-- audit chain at the server's instant, and only then is the secret
-- decrypted and returned.
CREATE FUNCTION latchkey_api.reveal_secret(
    p_entry bigint, p_actor bigint, p_action text, p_request bigint, p_details text
) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
    item entries;
    sealed bytea;
BEGIN
    SELECT * INTO item FROM entries WHERE id = p_entry FOR SHARE;
    IF NOT FOUND OR item.deleted_at_ms IS NOT NULL THEN
        RAISE EXCEPTION 'entry % does not exist', p_entry USING ERRCODE = 'no_data_found';
    END IF;
    IF p_actor IS DISTINCT FROM me.id THEN
        RAISE EXCEPTION 'a use of a password is recorded as its user''s own'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_action IS NULL OR p_action NOT IN ('password_revealed', 'password_copied') THEN
        RAISE EXCEPTION 'a password is revealed or copied, not “%”', p_action
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_request IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM requests WHERE id = p_request AND requester_id = me.id) THEN
        RAISE EXCEPTION 'the request % is not yours', p_request
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_details IS NULL OR p_details::jsonb IS NULL THEN
        RAISE EXCEPTION 'an audit event has details' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM require_permission(me, item, 2, 'View password');
    SELECT ciphertext INTO sealed FROM entry_secrets WHERE entry_id = item.id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    PERFORM append_audit_event(me.id, p_action, p_request, item.id, p_details);
    RETURN latchkey_crypto.pgp_sym_decrypt(sealed, workspace_key());
END
$$;

-- A number that moves whenever an entry of the vault is added, changed or
-- removed: it says nothing about the entries, so any active user may ask
-- (`Workspace::entry_revision`).
CREATE FUNCTION latchkey_api.entry_revision(p_vault bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM caller();
    RETURN coalesce((SELECT revision FROM entry_revisions WHERE vault_id = p_vault), 0);
END
$$;

-- One entry's row for the audit log's paths, deleted or not: only for
-- those who may read the log about it — administrators, and the approvers
-- of its vault (service/audit_log.rs `scope`); nothing for anyone else.
CREATE FUNCTION latchkey_api.entry_node(p_id bigint)
RETURNS TABLE (id bigint, parent_id bigint, name text)
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT e.id, e.parent_id, e.name FROM entries e
        WHERE e.id = p_id AND (me.is_admin OR is_approver(me.id, e.vault_id));
END
$$;

-- Every entry's row for the audit log's paths, deleted ones included, of
-- the vaults whose log the caller may read (as `entry_node`).
CREATE FUNCTION latchkey_api.entry_nodes()
RETURNS TABLE (id bigint, parent_id bigint, name text)
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT e.id, e.parent_id, e.name FROM entries e
        WHERE me.is_admin
           OR e.vault_id IN (SELECT a.vault_id FROM vault_approvers a WHERE a.user_id = me.id)
        ORDER BY e.id;
END
$$;

RESET ROLE;
