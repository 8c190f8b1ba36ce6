#include <fmt/format.h>
int main() {
  fmt::print("edgelens\n");
  return 0;
}
