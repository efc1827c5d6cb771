/* What --resume may change: the stored config against this run's. */
#ifndef GANC_TOOLS_TRAINER_RESUME_H
#define GANC_TOOLS_TRAINER_RESUME_H

#include "core/config.h"

/* Compares every key of `stored_text` (the resolved config a checkpoint
 * holds) with the resolved config `now` of the run that resumes it. Keys that
 * only steer the run (steps, epochs, device, out, how often to log, sample
 * and save) may change freely. Any other change is an error that lists
 * each changed key with its old and new value, unless `allowed` names it
 * ("optim.lr") or its section ("loss.edge"); allowed changes are printed. */
ganc_status trainer_check_resume_config(const config *now, const char *stored_text, const char *origin,
                                        const char *const *allowed, int n_allowed);

#endif
