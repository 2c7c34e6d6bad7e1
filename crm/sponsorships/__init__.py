"""SERTAKAN and GN Lingkaran sponsorships: sponsors paying informal workers' contributions."""
