/** Runnable examples (issue 4). */
package io.baton.examples;
