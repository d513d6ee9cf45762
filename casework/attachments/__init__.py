"""Files attached to cases (管理附件), stored on disk under generated names."""
