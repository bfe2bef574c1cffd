/** Pluggable authentication: off ({@code none}) or a tokens file mapping tokens to projects. */
package io.baton.gateway.auth;
