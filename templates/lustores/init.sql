-- LUStores's database on its first start (berth): PostgreSQL runs this file from /docker-entrypoint-initdb.d/ once,
-- when the data folder is empty. The app creates and migrates its own tables when it starts (server/dbInit.ts);
-- this file only makes the table the app's sessions are stored in (connect-pg-simple's schema), so the first
-- login works before that has run. Unlike the LUStores init.sql it inserts no test accounts: their passwords are
-- published with the source.
CREATE TABLE IF NOT EXISTS sessions (
    sid varchar NOT NULL COLLATE "default",
    sess json NOT NULL,
    expire timestamp(6) NOT NULL,
    CONSTRAINT session_pkey PRIMARY KEY (sid)
);
CREATE INDEX IF NOT EXISTS "IDX_session_expire" ON sessions (expire);
