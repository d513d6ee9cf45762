"""Realistic demo data for Haikou, generated through the real services."""
