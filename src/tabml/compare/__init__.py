"""What a pull-request report needs: base resolution, bootstrap, gate and rendering."""
