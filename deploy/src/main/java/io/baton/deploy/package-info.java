/** The {@code baton} command line: {@code standalone} and the admin verbs. */
package io.baton.deploy;
