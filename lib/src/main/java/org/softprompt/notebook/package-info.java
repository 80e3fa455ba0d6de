/**
 * Notebook output for softprompt, independent of the Jupyter kernel.
 *
 * <ul>
 *   <li>{@link org.softprompt.notebook.Show}: tables, Plotly charts, HTML and Markdown, in a notebook or as text.</li>
 *   <li>{@link org.softprompt.notebook.TrainingMonitor}: progress bar and live loss curve of a training loop.</li>
 *   <li>{@link org.softprompt.notebook.Results}: result tables saved as CSV for comparison across runs.</li>
 * </ul>
 *
 * <p>The kernel (IJava, JJava or rapaio-jupyter-kernel) is found by reflection when the first output is shown; there is
 * no compile-time dependency on any of them. In plain Java the text form of every output is printed.
 */
package org.softprompt.notebook;
