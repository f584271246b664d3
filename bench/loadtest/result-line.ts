/** Marks the validator run's one line of figures among anything else it might print. */
export const RESULT_PREFIX = 'LOADTEST_RESULT ';
