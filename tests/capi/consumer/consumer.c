/* A program outside the EdgeLens tree using the installed libedgelens (install test). */
#include <stdio.h>

#include <edgelens.h>

int main(int argc, char** argv) {
  printf("edgelens %s api %d\n", edgelens_version(), edgelens_api_version());
  if (argc < 2) return 0;
  edgelens_model* model = NULL;
  char* error = NULL;
  if (edgelens_open(argv[1], &model, &error) != EDGELENS_OK) {
    printf("open failed: %s\n", error ? error : "?");
    edgelens_free(error);
    return 1;
  }
  printf("inputs %zu outputs %zu\n", edgelens_input_count(model), edgelens_output_count(model));
  edgelens_close(model);
  return 0;
}
