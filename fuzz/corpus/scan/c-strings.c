/* String handling: unbounded copies, sprintf, scanf and gets. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#define GREETING "hello, "
#define NAME_MAX_LEN 32

    struct user {
  char name[NAME_MAX_LEN];
  char greeting[64];
};

void read_name(struct user* u) {
  char line[128];
  gets(line);  // ward-expect: c.gets
  if (fgets(line, sizeof line, stdin) == NULL) return;
  strncpy(u->name, line, sizeof u->name - 1);
  u->name[sizeof u->name - 1] = '\0';
}

void greet(struct user* u, const char* name) {
  strcpy(u->greeting, GREETING);
  strcpy(u->name, "anonymous");
  strcpy(u->name, name);
  strcat(u->greeting, u->name);
  strcat(u->greeting, "!");
  snprintf(u->greeting, sizeof u->greeting, "%s%s", GREETING, name);
}

void wide_copy(wchar_t* dst, const wchar_t* src) {
  wcscpy(dst, L"default");
  wcscpy(dst, src);
  wcscat(dst, src);
}

void format_label(char* out, const char* name, int id) {
  sprintf(out, "%d", id);
  sprintf(out, "user-%.20s", name);
  sprintf(out, "user-%s", name);       // ward-expect: c.unbounded-sprintf
  sprintf(out, "%-10s|%d", name, id);  // ward-expect: c.unbounded-sprintf
  sprintf(out, "100%%s");
  snprintf(out, 32, "user-%s", name);
}

void format_with(char* out, const char* format, va_list args) {
  vsprintf(out, format, args);  // ward-expect: c.unbounded-sprintf
  vsnprintf(out, 64, format, args);
}

int parse(const char* line, char* word, char* rest, int* n) {
  char command[16];
  if (sscanf(line, "%15s %d", command, n) != 2) return -1;
  if (sscanf(line, "%s %d", word, n) != 2) return -1;    // ward-expect: c.scanf-unbounded-string
  if (sscanf(line, "%*s %[^\n]", rest) != 1) return -1;  // ward-expect: c.scanf-unbounded-string
  if (sscanf(line, "%*s %63[^\n]", rest) != 1) return -1;
  scanf("%ls", (wchar_t*)word);  // ward-expect: c.scanf-unbounded-string
  scanf("%d%%s", n);
  return 0;
}
