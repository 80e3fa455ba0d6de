/**
 * Sweeps for the paper notebooks: a {@link org.softprompt.experiment.Grid} of configurations times seeds, each
 * {@link org.softprompt.experiment.Run} an independent, JSON-serializable task (cached on disk, so re-running a
 * notebook does only what is missing, and a sweep could be spread over machines), gathered by
 * {@link org.softprompt.experiment.Results} into Tablesaw tables with mean and standard deviation, and plotted.
 */
package org.softprompt.experiment;
