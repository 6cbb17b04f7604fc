-- quality.validated_rows: the check-table rows the last validation covered, by content hash.
-- A row whose key and hash are here was validated with the same suites and carries its flags over.
create table if not exists quality.validated_rows (
    table_name varchar not null,
    row_key varchar not null,
    row_hash ubigint not null
);
