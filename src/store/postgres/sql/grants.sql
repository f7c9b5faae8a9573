-- Last: who may run what. Functions are executable by PUBLIC by default;
-- only the API's are Latchkey users', nothing in `latchkey` is.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA latchkey FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA latchkey FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA latchkey FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA latchkey_api FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA latchkey_api TO latchkey_user;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA latchkey_crypto FROM PUBLIC;
