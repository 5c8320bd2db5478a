/* Untrusted data (environment, standard input, the command line) reaching sinks: the taint rules.
  */
#include <fcntl.h>
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

    void
    run_from_environment(void) {
  char command[256] = "ls ";
  char* suffix = getenv("LIST_DIR");
  if (suffix == NULL) return;
  strncat(command, suffix, sizeof command - strlen(command) - 1);
  system(command);  // ward-expect: c.command-injection
}

void print_from_stdin(void) {
  char line[128];
  if (fgets(line, sizeof line, stdin) == NULL) return;
  printf(line);  // ward-expect: c.format-string
  printf("%s", line);
}

FILE* open_config(void) {
  const char* path = getenv("APP_CONFIG");
  if (path == NULL) return NULL;
  fopen("/etc/app.conf", "r");
  return fopen(path, "r");  // ward-expect: c.path-traversal
}

int grow(void) {
  char line[32];
  int count;
  if (fgets(line, sizeof line, stdin) == NULL) return 0;
  count = atoi(line);
  return count + 1;  // ward-expect: c.integer-overflow
}

int shrink(void) {
  char line[32];
  int count;
  if (fgets(line, sizeof line, stdin) == NULL) return 0;
  count = atoi(line);
  return count - 1;  // ward-expect: c.integer-underflow
}

/* Which side of a limit a test checks decides which wrap-around it rules out. */
int scale(void) {
  char line[32];
  int count;
  if (fgets(line, sizeof line, stdin) == NULL) return 0;
  count = atoi(line);
  if (count > 0) {
    return count * 2;  // ward-expect: c.integer-overflow
  }
  if (count < 0) {
    return count * 2;  // ward-expect: c.integer-underflow
  }
  if (count > -1000 && count < 1000) {
    return count * 2 + count - 1;
  }
  if (abs(count) < 1000) {
    return count * count;
  }
  return 0;
}

/* An index read from input must be checked on both sides, unless it is unsigned. */
int lookup(const int table[10]) {
  char line[32];
  int slot;
  size_t row;
  if (fgets(line, sizeof line, stdin) == NULL) return -1;
  slot = atoi(line);
  row = strtoul(line, NULL, 10);
  if (slot < 10) {
    return table[slot];  // ward-expect: c.index-negative
  }
  if (slot >= 0) {
    return table[slot];  // ward-expect: c.index-too-large
  }
  if (row < 10) {
    return table[row];
  }
  size_t length = strlen(line);
  if (length > 0 && line[length - 1] == '\n') line[length - 1] = '\0';
  return -1;
}

void find_user(LDAP* directory) {
  char name[64];
  char filter[128];
  LDAPMessage* found = NULL;
  if (fgets(name, sizeof name, stdin) == NULL) return;
  snprintf(filter, sizeof filter, "(uid=%s)", name);
  ldap_search_ext_s(directory, "ou=people,dc=example,dc=com", LDAP_SCOPE_SUBTREE, filter, NULL, 0,
                    NULL,  // ward-expect: c.ldap-injection
                    NULL, NULL, 0, &found);
  ldap_search_ext_s(directory, "ou=people,dc=example,dc=com", LDAP_SCOPE_SUBTREE,
                    "(objectClass=person)", NULL, 0, NULL, NULL, NULL, 0, &found);
  ldap_msgfree(found);
}
