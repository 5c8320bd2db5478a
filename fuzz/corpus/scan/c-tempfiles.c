/* Temporary files. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

    FILE*
    scratch_file(void) {
  char name[L_tmpnam];
  char template[] = "/tmp/report-XXXXXX";
  int fd;
  tmpnam(name);      // ward-expect: c.insecure-temp-file
  mktemp(template);  // ward-expect: c.insecure-temp-file
  fd = mkstemp(template);
  if (fd < 0) return tmpfile();
  return fdopen(fd, "w+");
}
