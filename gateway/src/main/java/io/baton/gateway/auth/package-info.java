/** Pluggable REST authentication: off ({@code none}) or tokens ({@link io.baton.auth.Credentials}) mapped to projects. */
package io.baton.gateway.auth;
