/* Running commands: only the shell's command string matters. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BACKUP_COMMAND "tar czf /var/backups/etc.tgz /etc"

    int
    run_backup(void) {
  return system(BACKUP_COMMAND);
}

int list_directory(const char* directory) {
  char command[512];
  snprintf(command, sizeof command, "ls -l '%s'", directory);
  system("ls -l /tmp");
  return system(command);
}

FILE* open_log_pipe(const char* filter) {
  popen("dmesg", "r");
  return popen(filter, "r");
}

void exec_script(const char* script, const char* path) {
  if (fork() == 0) {
    execl("/bin/sh", "sh", "-c", script, (char*)NULL);
  }
  if (fork() == 0) {
    execl("/bin/sh", "sh", "-c", "uptime", (char*)NULL);
  }
  if (fork() == 0) {
    /* No shell: path stays one argument. */
    execl("/usr/bin/wc", "wc", "-l", path, (char*)NULL);
  }
  if (fork() == 0) {
    char* argv[] = {"wc", "-l", (char*)path, NULL};
    execv("/usr/bin/wc", argv);
  }
}
