  // Buffers made with new[], indexed with C++'s subscripts, and C++'s if (init; condition).
#include <cstring>
#include <cwchar>

    namespace buffers {

  void copy_name() {
    char* name = new char[8];
    std::strcpy(name, "0123456789");  // ward-expect: c.buffer-overflow
    std::strcpy(name, "0123456");
    delete[] name;
  }

  void fill_table() {
    int* table = new int[10];
    for (int i = 0; i < 10; i++) {
      table[i] = 0;
    }
    table[10] = 1;  // ward-expect: c.buffer-overflow
    delete[] table;
  }

  void checked_index() {
    int index = 10;
    int* table = new int[10];
    if (index >= 0 && index < 10) {
      table[index] = 1;
    }
    if (int first = 0; first < 10) {
      table[first] = 2;
    }
    delete[] table;
  }

  void wide_copy() {
    wchar_t* text = new wchar_t[4];
    std::wcscpy(text, L"much longer than four");  // ward-expect: c.buffer-overflow
    delete[] text;
  }

}  // namespace buffers
