/**
 * BitFit (Ben Zaken et al. 2022) and the other backbone parameter groups (all, LM head, none), composable with any
 * prompt method: with a null prompt and a verbalizer it is Logan IV et al.'s "null prompts + BitFit".
 */
package org.softprompt.method.bitfit;
