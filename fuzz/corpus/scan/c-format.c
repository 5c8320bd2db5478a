/* printf-family calls: the format must be a constant. */
#include <libintl.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#define _(text) gettext(text)
#define LOG_FORMAT "[%s] %s\n"

    void
    log_message(FILE* out, const char* level, const char* message) {
  fprintf(out, LOG_FORMAT, level, message);
  fprintf(out, "%s: %s\n", level, message);
  fprintf(out, message);
  printf(message);
  printf("%s\n", message);
  printf(_("Saved.\n"));
  printf(level[0] == 'E' ? "error\n" : "note\n");
  syslog(LOG_ERR, message);
  syslog(LOG_ERR, "%s", message);
  fputs(message, out);
}

void render(char* buf, size_t size, const char* template, const char* name) {
  snprintf(buf, size, template, name);
  snprintf(buf, size, "Hello %s", name);
  sprintf(buf, template, name);  // ward-expect: c.unbounded-sprintf
}

/* A printf wrapper forwards its caller's format: v* functions are not reported. */
void logf_to(FILE* out, const char* format, ...) {
  va_list args;
  va_start(args, format);
  vfprintf(out, format, args);
  va_end(args);
}
