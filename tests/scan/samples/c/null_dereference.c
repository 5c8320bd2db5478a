/* Pointers dereferenced while NULL. */
#include <stddef.h>

struct node {
  struct node *next;
  int value;
};

int first_value(struct node *list) {
  struct node *empty = NULL;
  if (list != NULL) return list->value;
  return empty->value;  // ward-expect: c.null-dereference
}

int count(const struct node *list) {
  int n = 0;
  for (const struct node *p = list; p != NULL; p = p->next) ++n;
  return n;
}
