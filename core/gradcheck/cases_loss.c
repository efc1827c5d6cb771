#include "core/gradcheck/cases.h"

const gradcheck_case *const gradcheck_cases_loss[] = {NULL};
