-- notify: tables of this capability (see HACKING.md).
SELECT 1;
