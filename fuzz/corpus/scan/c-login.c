/* Credentials handed to login APIs. */
#include <mysql/mysql.h>
#include <stdlib.h>
#include <windows.h>

    MYSQL*
    connect_db(MYSQL* conn) {
  const char* password = getenv("DB_PASSWORD");
  mysql_real_connect(conn, "db.internal", "app", "Tr0ub4dor&3", "shop", 3306, NULL,
                     0);  // ward-expect: c.hardcoded-password
  mysql_real_connect(conn, "localhost", "readonly", "", "shop", 0, NULL, 0);
  return mysql_real_connect(conn, "db.internal", "app", password, "shop", 3306, NULL, 0);
}

BOOL impersonate(const wchar_t* user, const wchar_t* password, HANDLE* token) {
  LogonUserW(L"svc_backup", L"CORP", L"Backup#2019",  // ward-expect: c.hardcoded-password
             LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT, token);
  return LogonUserW(user, L"CORP", password, LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT,
                    token);
}
