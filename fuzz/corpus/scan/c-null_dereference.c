/* Pointers dereferenced while NULL. */
#include <stddef.h>
#include <string.h>

    struct node {
  struct node* next;
  int value;
};

int first_value(struct node* list) {
  struct node* empty = NULL;
  if (list != NULL) return list->value;
  return empty->value;  // ward-expect: c.null-dereference
}

int guarded(void) {
  struct node* none = NULL;
  if ((none != NULL) & (none->value == 5)) return 1;  // ward-expect: c.null-dereference
  if (none != NULL && none->value == 5) return 2;
  return 0;
}

int count(const struct node* list) {
  int n = 0;
  for (const struct node* p = list; p != NULL; p = p->next) ++n;
  return n;
}

/* strcpy is both a dereference and a modelled buffer copy: both checks see it. */
void copy_names(const char* name) {
  char* target = NULL;
  char small[4];
  strcpy(target, name);               // ward-expect: c.null-dereference
  strcpy(small, "longer than four");  // ward-expect: c.buffer-overflow
}
