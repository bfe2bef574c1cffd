/** The HTTP v1 gateway (issue 3). Empty until then. */
package io.baton.gateway;
