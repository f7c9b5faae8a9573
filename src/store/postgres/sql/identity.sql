-- The schema of a PostgreSQL workspace, version 1 (R-BEY-10).
--
-- Run once by the owner connection (a superuser) in an empty database, in the
-- same transaction as the first administrator's creation.
--
-- Architecture invariants:
-- * Latchkey users are LOGIN roles that are members of `latchkey_user` only.
--   That group has CONNECT on this database, USAGE on the schema
--   `latchkey_api` and EXECUTE on its functions, and nothing else: no table,
--   sequence or other schema is theirs to read or write.
-- * Everything else belongs to `latchkey_owner`, a NOLOGIN role that no
--   Latchkey user is a member of, so nobody can become it (SET ROLE is
--   refused). The API functions are SECURITY DEFINER, owned by it, each with a
--   fixed `search_path` (pg_temp last), so a caller's own objects or settings
--   cannot change what they run.
-- * Inside a function the caller is `session_user` (the role that signed
--   in), and the time is the server's `clock_timestamp()`.

CREATE ROLE latchkey_owner NOLOGIN CREATEROLE;
CREATE ROLE latchkey_user NOLOGIN;
-- The owner adds new users to the group. PostgreSQL 16 and later ask for
-- ADMIN OPTION on the group for that (15 is content with CREATEROLE), and
-- let a CREATEROLE role alter or drop only the roles it created itself:
-- hence the owner also creates the first administrator
-- (create_first_admin is SECURITY DEFINER).
GRANT latchkey_user TO latchkey_owner WITH ADMIN OPTION;

-- Nobody but our roles may connect, create temporary objects or schemas.
DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO latchkey_user', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO latchkey_owner', current_database());
    -- Statement logging (log_statement) would otherwise copy the functions'
    -- arguments, a new password's verifier among them, into the server log.
    EXECUTE format('ALTER DATABASE %I SET log_parameter_max_length = 0', current_database());
END
$$;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA latchkey AUTHORIZATION latchkey_owner;
CREATE SCHEMA latchkey_api AUTHORIZATION latchkey_owner;
REVOKE ALL ON SCHEMA latchkey FROM PUBLIC;
REVOKE ALL ON SCHEMA latchkey_api FROM PUBLIC;
GRANT USAGE ON SCHEMA latchkey_api TO latchkey_user;

-- Secrets are encrypted and decrypted by the server (pgcrypto, from Debian's
-- PostgreSQL contrib), in a schema of its own that only the owner uses.
CREATE SCHEMA latchkey_crypto AUTHORIZATION latchkey_owner;
REVOKE ALL ON SCHEMA latchkey_crypto FROM PUBLIC;
CREATE EXTENSION pgcrypto WITH SCHEMA latchkey_crypto;

-- Functions are executable by PUBLIC by default: not the owner's.
ALTER DEFAULT PRIVILEGES FOR ROLE latchkey_owner REVOKE ALL ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE latchkey_owner REVOKE ALL ON TABLES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE latchkey_owner REVOKE ALL ON SEQUENCES FROM PUBLIC;

-- Everything below is created by, and so owned by, the owner role.
SET LOCAL ROLE latchkey_owner;

CREATE TABLE latchkey.meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO latchkey.meta (key, value) VALUES ('schema_version', '1');

-- Mirrors the SQLite `users` table. The password is not here: it is the
-- role's SCRAM-SHA-256 verifier, kept by the server in pg_authid. Sign-in
-- throttling (failed_sign_ins, blocked_until_ms) is not here either: a
-- sign-in is a connection, which the server authenticates before any of our
-- code runs. A removed user keeps its row (the audit log names it) but loses
-- its role.
CREATE TABLE latchkey.users (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username             text NOT NULL,
    -- The role that signs in: the user name in lower case.
    role_name            text NOT NULL,
    display_name         text NOT NULL,
    email                text NOT NULL DEFAULT '',
    is_admin             boolean NOT NULL DEFAULT false,
    is_active            boolean NOT NULL DEFAULT true,
    must_change_password boolean NOT NULL DEFAULT false,
    created_at_ms        bigint NOT NULL,
    removed_at_ms        bigint,
    CHECK (removed_at_ms IS NULL OR NOT is_active)
);
CREATE INDEX users_admins ON latchkey.users (id) WHERE is_admin AND is_active;
-- A removed user's name may be given to someone new (with a new role).
CREATE UNIQUE INDEX users_role_name ON latchkey.users (role_name) WHERE removed_at_ms IS NULL;

-- The active Latchkey user who signed in (session_user), or an error.
CREATE FUNCTION latchkey.caller() RETURNS latchkey.users
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users;
BEGIN
    SELECT * INTO me FROM users
    WHERE role_name = session_user::text AND removed_at_ms IS NULL;
    IF NOT FOUND OR NOT me.is_active THEN
        RAISE EXCEPTION 'you are not an active user of this workspace'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN me;
END
$$;

-- The caller, who must be an active administrator.
CREATE FUNCTION latchkey.admin_caller() RETURNS latchkey.users
LANGUAGE plpgsql STABLE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    IF NOT me.is_admin THEN
        RAISE EXCEPTION 'only an administrator can manage users'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN me;
END
$$;

-- Checks a new user's name and password verifier; the messages name their
-- field in HINT ("username", "password") so the client can show them there.
CREATE FUNCTION latchkey.check_new_user(p_username text, p_role text, p_verifier text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_username IS NULL OR btrim(p_username) = '' THEN
        RAISE EXCEPTION 'enter a user name'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'username';
    END IF;
    IF p_username !~ '^[[:alnum:]._@-]+$' THEN
        RAISE EXCEPTION 'use only letters, digits and . _ - @ in a user name'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'username';
    END IF;
    -- Role names longer than 63 bytes would be cut short silently.
    IF octet_length(p_username) > 63 THEN
        RAISE EXCEPTION 'the user name is longer than 63 bytes'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'username';
    END IF;
    -- The client connects as its own lower-case form; both must agree.
    IF p_role IS DISTINCT FROM lower(p_username) THEN
        RAISE EXCEPTION 'use a user name whose lower-case form this server agrees on'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'username';
    END IF;
    IF p_role LIKE 'pg\_%' OR p_role LIKE 'latchkey\_%' THEN
        RAISE EXCEPTION 'this user name is reserved'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'username';
    END IF;
    -- Only a SCRAM verifier computed by the client: a password in clear
    -- would travel to the server and could reach its log.
    IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
        RAISE EXCEPTION 'the password must be sent as a SCRAM-SHA-256 verifier'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'password';
    END IF;
END
$$;

-- Creates the role and the row; no check of who calls.
CREATE FUNCTION latchkey.insert_user(
    p_username text, p_role text, p_display_name text, p_email text,
    p_is_admin boolean, p_verifier text
) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    new_id bigint;
BEGIN
    PERFORM check_new_user(p_username, p_role, p_verifier);
    IF EXISTS (SELECT 1 FROM users WHERE role_name = p_role AND removed_at_ms IS NULL)
       OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_role) THEN
        RAISE EXCEPTION 'this user name is taken'
            USING ERRCODE = 'duplicate_object', HINT = 'username';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE latchkey_user',
                   p_role, p_verifier);
    INSERT INTO users (username, role_name, display_name, email, is_admin, created_at_ms)
    VALUES (p_username, p_role,
            coalesce(nullif(btrim(p_display_name), ''), p_username),
            coalesce(p_email, ''), p_is_admin, now_ms())
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

-- The workspace's first administrator; for the owner connection only (no
-- one else may execute it), once.
CREATE FUNCTION latchkey.create_first_admin(
    p_username text, p_role text, p_display_name text, p_email text, p_verifier text
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    LOCK TABLE users IN EXCLUSIVE MODE;
    IF EXISTS (SELECT 1 FROM users) THEN
        RAISE EXCEPTION 'this workspace already has users'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN insert_user(p_username, p_role, p_display_name, p_email, true, p_verifier);
END
$$;

-- Refuses to leave the workspace without an active administrator.
CREATE FUNCTION latchkey.keep_an_admin(p_leaving bigint) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    -- Row locks serialise two administrators disabling each other.
    PERFORM 1 FROM users WHERE is_admin AND is_active ORDER BY id FOR UPDATE;
    IF NOT EXISTS (SELECT 1 FROM users
                   WHERE is_admin AND is_active AND id <> p_leaving) THEN
        RAISE EXCEPTION 'the workspace needs at least one active administrator'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$$;

-- An existing, not removed user by id, locked; or an error.
CREATE FUNCTION latchkey.target_user(p_id bigint) RETURNS latchkey.users
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    target users;
BEGIN
    SELECT * INTO target FROM users WHERE id = p_id FOR UPDATE;
    IF NOT FOUND OR target.removed_at_ms IS NOT NULL THEN
        RAISE EXCEPTION 'no such user'
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN target;
END
$$;

-- The user an active administrator disables or removes, locked, once the
-- workspace is sure to keep an active administrator without them.
CREATE FUNCTION latchkey.user_to_withdraw(p_id bigint) RETURNS latchkey.users
LANGUAGE plpgsql VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    target users;
BEGIN
    PERFORM admin_caller();
    target := target_user(p_id);
    PERFORM keep_an_admin(target.id);
    RETURN target;
END
$$;


-- The API: the only thing a Latchkey user can call.

-- The caller's own user.
CREATE FUNCTION latchkey_api.whoami()
RETURNS TABLE (id bigint, username text, display_name text, email text,
               is_admin boolean, is_active boolean)
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    me users := caller();
BEGIN
    RETURN QUERY SELECT me.id, me.username, me.display_name, me.email,
                        me.is_admin, me.is_active;
END
$$;

-- The server's instant (unix milliseconds UTC), which decides when access
-- ends; the window follows it (R-BEY-9).
CREATE FUNCTION latchkey_api.server_now() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM caller();
    RETURN now_ms();
END
$$;

-- Creates a user and its role; for active administrators.
CREATE FUNCTION latchkey_api.create_user(
    p_username text, p_role text, p_display_name text, p_email text,
    p_is_admin boolean, p_verifier text
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM admin_caller();
    RETURN insert_user(p_username, p_role, p_display_name, p_email, p_is_admin, p_verifier);
END
$$;

-- Disables a user: the role can no longer sign in and every function
-- refuses its open sessions; for active administrators.
CREATE FUNCTION latchkey_api.disable_user(p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    target users := user_to_withdraw(p_id);
BEGIN
    EXECUTE format('ALTER ROLE %I NOLOGIN', target.role_name);
    UPDATE users SET is_active = false WHERE id = target.id;
END
$$;

-- Removes a user: drops the role, keeps the row (inactive, removed) for the
-- audit log's names; for active administrators.
CREATE FUNCTION latchkey_api.remove_user(p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = latchkey, pg_catalog, pg_temp
AS $$
DECLARE
    target users := user_to_withdraw(p_id);
BEGIN
    EXECUTE format('DROP ROLE %I', target.role_name);
    UPDATE users SET is_active = false, removed_at_ms = now_ms() WHERE id = target.id;
END
$$;

RESET ROLE;
