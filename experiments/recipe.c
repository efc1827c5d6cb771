#include "experiments/recipe.h"

#include <string.h>

static const recipe *const recipes[] = {&recipe_cyclegan, &recipe_pix2pix, &recipe_regressor, &recipe_face_pinch};

const recipe *recipe_find(const char *name) {
    for (size_t i = 0; i < sizeof recipes / sizeof recipes[0]; i++)
        if (strcmp(recipes[i]->name, name) == 0) return recipes[i];
    return NULL;
}

const char *recipe_names(void) { return "cyclegan, pix2pix, regressor, face_pinch"; }
