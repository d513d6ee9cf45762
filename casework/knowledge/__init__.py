"""知识库: categories and articles kept by the centre and the departments together."""
