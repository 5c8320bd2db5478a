/* Heap and buffer bugs the [memory] rules follow along each path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

    struct record {
  char name[16];
  int id;
};

char* copy_name(const char* name) {
  char* copy = malloc(strlen(name) + 1);
  if (copy == NULL) return NULL;
  strcpy(copy, name);
  return copy;
}

void fill(void) {
  char buffer[10];
  memset(buffer, 'A', sizeof buffer);
  buffer[sizeof buffer - 1] = '\0';
  memset(buffer, 'A', 11);  // ward-expect: c.buffer-overflow
  buffer[10] = '\0';        // ward-expect: c.buffer-overflow
}

void copy_back(const char* source) {
  char buffer[10];
  char* start = buffer - 8;
  memcpy(buffer, source, 10);
  memcpy(start, source, 10);  // ward-expect: c.buffer-underwrite
}

void read_past(char* out) {
  char small[8] = "1234567";
  memcpy(out, small, 8);
  memcpy(out, small, 16);  // ward-expect: c.buffer-overread
}

void read_before(char* out) {
  char data[8] = "1234567";
  memcpy(out, data, 8);
  memcpy(out, data - 4, 8);  // ward-expect: c.buffer-underread
}

void heap_copy(void) {
  char* line = malloc(10);
  char* stack = alloca(4);
  if (line == NULL) return;
  strcpy(line, "123456789");
  strcpy(line, "longer than ten");  // ward-expect: c.buffer-overflow
  memset(stack, 0, 8);              // ward-expect: c.buffer-overflow
  free(line);
}

void read_count(void) {
  int count = 0;
  char small[4];
  scanf("%d", &count);
  if (count != 0) {
    memset(small, 0, 8);  // ward-expect: c.buffer-overflow
  }
}

void negative_size(void) {
  char* block = malloc(-1);
  if (block == NULL) return;
  block[0] = 'x';
  free(block);
}

void size_of_pointee(void) {
  double* value = NULL;
  value = malloc(sizeof(*value));
  if (value == NULL) return;
  *value = 1.5;
  free(value);
}

void grow(void) {
  char* data = malloc(16);
  char* bigger;
  if (data == NULL) return;
  bigger = realloc(data, 64);
  if (bigger != NULL) {
    data = bigger;
  }
  free(data);
}

void wide_heap_copy(void) {
  wchar_t* text = (wchar_t*)malloc(4 * sizeof(wchar_t));
  if (text == NULL) return;
  wcscpy(text, L"much longer than four");  // ward-expect: c.buffer-overflow
  free(text);
}

void grow_in_place(void) {
  char* data = malloc(16);
  if (data == NULL) return;
  data = realloc(data, 64);  // ward-expect: c.memory-leak
  free(data);
  char* fresh = NULL;
  fresh = realloc(fresh, 64);
  free(fresh);
}

void release_twice(void) {
  char* data = malloc(32);
  if (data == NULL) return;
  free(data);
  free(data);  // ward-expect: c.double-free
}

int use_after_release(void) {
  struct record* r = malloc(sizeof *r);
  if (r == NULL) return -1;
  r->id = 1;
  free(r);
  return r->id;  // ward-expect: c.use-after-free
}

void forget(size_t n) {
  char* scratch = malloc(n);  // ward-expect: c.memory-leak
  if (scratch == NULL) return;
  scratch[0] = '\0';
}

void unchecked(size_t n) {
  char* line = malloc(n + 1);
  line[0] = '\0';  // ward-expect: c.unchecked-allocation
  free(line);
}
