/* A shared object that is not a loss plugin: it lacks the registration function. */
int plugin_no_symbol_answer(void);
int plugin_no_symbol_answer(void) { return 42; }
