"""Grok Studio: a self-hosted, multi-user web studio for xAI's Grok Imagine models."""
